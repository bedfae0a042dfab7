import CreditAMQP
import CreditEngine
import CreditStore
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// `credit consume`: LoanAppliedEvent messages from RabbitMQ, each scored and stored exactly as
/// `POST /api/v1/scores` does (the same parser, rules and idempotency, in the configured caller's
/// namespace), its decision published as a CreditScoredEvent, then acknowledged.
///
/// Delivery: at least once in, exactly once in the store. A message is acknowledged only after
/// its decision is stored and its result confirmed by the broker; a crash in between redelivers
/// it, and the stored decision is published again (results are keyed by `event_id`). An invalid
/// message goes to `<queue>.dlq` at once with the reason in `x-credit-error` (the field and the
/// rule, never a value); a transient failure (the store unavailable) waits in
/// `<queue>.retry.<n>` (a TTL queue that dead-letters back) and is tried again, up to the
/// configured delays, then goes to the dead-letter queue. The attempt travels in `x-credit-attempt`.
final class QueueConsumer: Service {
    let settings: ServerConfiguration.QueueSettings
    let broker: AMQPConfiguration
    let service: ScoreService
    let logger: Logger
    /// The largest message body scored (the HTTP endpoint's body limit); a larger one is dead-lettered.
    let maxBodyBytes: Int
    /// Called each time the consumer is (again) consuming.
    let onConsuming: @Sendable () -> Void
    private let outcomes: [Outcome: Counter]
    private let latency = Metrics.Timer(label: "credit_queue_processing_seconds", preferredDisplayUnit: .seconds)
    private let connected = Gauge(label: "credit_queue_connected")
    private let consumerTag = "credit-\(UUID().uuidString.lowercased())"
    private let consuming = Mutex(false)

    /// Whether the consumer is connected and consuming (readiness of a consumer-only process).
    var isConsuming: Bool { consuming.withLock { $0 } }

    /// What became of a message.
    enum Outcome: String, CaseIterable {
        case scored, duplicate, invalid, retried, deadLettered = "dead_lettered", redelivered
    }

    static let attemptHeader = "x-credit-attempt"
    static let errorHeader = "x-credit-error"

    init(
        settings: ServerConfiguration.QueueSettings, broker: AMQPConfiguration, service: ScoreService, maxBodyBytes: Int, logger: Logger,
        onConsuming: @escaping @Sendable () -> Void = {}
    ) {
        (self.settings, self.broker, self.service, self.maxBodyBytes, self.logger, self.onConsuming) = (settings, broker, service, maxBodyBytes, logger, onConsuming)
        outcomes = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0, Counter(label: "credit_queue_messages_total", dimensions: [("outcome", $0.rawValue)])) })
    }

    /// Consumes until graceful shutdown, reconnecting with growing delays (1 s to 30 s, with
    /// jitter) whenever the broker is lost.
    func run() async throws {
        var delay = 1.0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let connection = try await AMQPConnection.connect(broker, logger: logger)
                connected.record(1)
                delay = 1
                logger.info("consuming", metadata: ["broker": "\(broker)", "queue": "\(settings.queueName)"])
                defer {
                    connected.record(0)
                    consuming.withLock { $0 = false }
                }
                try await consume(on: connection)
                await connection.close()
                if Task.isShuttingDownGracefully { return }
            } catch {
                connected.record(0)
                logger.warning("broker unavailable", metadata: ["reason": "\(error)", "retry_seconds": "\(Int(delay))"])
            }
            guard !Task.isShuttingDownGracefully else { return }
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000 * Double.random(in: 0.5...1.0))))
            delay = min(delay * 2, 30)
        }
    }

    /// Declares the queues and exchange (idempotent), then handles deliveries, `prefetch` at a
    /// time, until the connection ends or a graceful shutdown stops the consumer and the
    /// deliveries in hand are finished.
    func consume(on connection: AMQPConnection) async throws {
        let channel = try await connection.openChannel()
        try await declareTopology(channel)
        try await channel.setPrefetch(UInt16(settings.prefetch ?? 16))
        try await channel.enableConfirms()
        let deliveries = try await channel.consume(queue: settings.queueName, consumerTag: consumerTag)
        consuming.withLock { $0 = true }
        onConsuming()
        let tag = consumerTag
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for try await delivery in deliveries {
                    group.addTask { await self.handle(delivery, on: channel) }
                }
            }
        } onGracefulShutdown: {
            // The broker stops delivering; the stream ends after what it already sent.
            Task { try? await channel.cancel(consumerTag: tag) }
        }
    }

    func declareTopology(_ channel: AMQPChannel) async throws(AMQPError) {
        try await channel.declareQueue(settings.queueName)
        try await channel.declareQueue(settings.deadLetterQueue)
        for (index, seconds) in settings.retryDelays.enumerated() {
            try await channel.declareQueue(retryQueue(index), arguments: [
                "x-message-ttl": .int64(Int64(seconds) * 1000), "x-dead-letter-exchange": .text(""),
                "x-dead-letter-routing-key": .text(settings.queueName),
            ])
        }
        try await channel.declareExchange(settings.resultExchangeName, type: "topic")
    }

    func retryQueue(_ index: Int) -> String { "\(settings.queueName).retry.\(index + 1)" }

    /// Scores one message and settles it: result published and acked; or moved to a retry or
    /// the dead-letter queue, then acked. When a publish fails the message is not acked: the
    /// broker redelivers it once the channel is gone.
    func handle(_ delivery: AMQPDelivery, on channel: AMQPChannel) async {
        let started = ContinuousClock.now
        defer { latency.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1))) }
        if delivery.redelivered { outcomes[.redelivered]?.increment() }
        let attempt = Int(delivery.properties.headers?[Self.attemptHeader]?.integer ?? 0)
        let body = Data(delivery.body.readableBytesView)
        do {
            guard body.count <= maxBodyBytes else {
                try await deadLetter(delivery, reason: "The message is too large: over \(maxBodyBytes) bytes", attempt: attempt, on: channel)
                outcomes[.invalid]?.increment()
                try await channel.ack(delivery.deliveryTag)
                return
            }
            do {
                let stored = try await service.score(body: body, idempotencyKey: nil, caller: settings.caller)
                try await publishResult(stored.body, of: body, on: channel)
                outcomes[.scored]?.increment()
            } catch let problem as APIProblem {
                switch problem.status {
                case 409:
                    // Decided already under another key (over HTTP): one decision per event stands.
                    logger.info("event already decided", metadata: ["delivery": "\(delivery.deliveryTag)"])
                    outcomes[.duplicate]?.increment()
                case 400..<500:
                    try await deadLetter(delivery, reason: "\(problem.title): \(problem.detail)", attempt: attempt, on: channel)
                    outcomes[.invalid]?.increment()
                default:
                    if attempt < settings.retryDelays.count {
                        var properties = delivery.properties
                        properties.headers = (properties.headers ?? [:]).merging([Self.attemptHeader: .int32(Int32(attempt + 1))]) { $1 }
                        try await channel.publish(delivery.body, exchange: "", routingKey: retryQueue(attempt), properties: properties, mandatory: true)
                        outcomes[.retried]?.increment()
                    } else {
                        try await deadLetter(delivery, reason: "\(problem.title): \(problem.detail) (after \(attempt + 1) attempts)", attempt: attempt, on: channel)
                        outcomes[.deadLettered]?.increment()
                    }
                    logger.warning("transient failure", metadata: ["attempt": "\(attempt + 1)", "problem": "\(problem.slug)"])
                }
            }
            try await channel.ack(delivery.deliveryTag)
        } catch {
            logger.error("message not settled; the broker will redeliver it", metadata: ["reason": "\(error)"])
        }
    }

    /// The stored response as a CreditScoredEvent on the result exchange, confirmed.
    func publishResult(_ response: Data, of request: Data, on channel: AMQPChannel) async throws(AMQPError) {
        let eventId = ScoreRequest.identity(of: request)?.eventId
        let properties = AMQPProperties(
            contentType: "application/json", headers: eventId.map { ["event_id": .text($0)] }, deliveryMode: 2, messageId: eventId,
            type: "CreditScoredEvent", appId: "credit-engine")
        try await channel.publish(ByteBuffer(bytes: response), exchange: settings.resultExchangeName, routingKey: "credit.scored", properties: properties)
    }

    /// The message, unchanged, on the dead-letter queue with the reason, confirmed.
    func deadLetter(_ delivery: AMQPDelivery, reason: String, attempt: Int, on channel: AMQPChannel) async throws(AMQPError) {
        var properties = delivery.properties
        properties.headers = (properties.headers ?? [:]).merging([Self.errorHeader: .text(reason), Self.attemptHeader: .int32(Int32(attempt + 1))]) { $1 }
        try await channel.publish(delivery.body, exchange: "", routingKey: settings.deadLetterQueue, properties: properties, mandatory: true)
        logger.warning("dead-lettered", metadata: ["reason": "\(reason)"])
    }

    /// The consumer of `configuration`'s queue section, scoring with its model, policy and store.
    package static func build(configuration: ServerConfiguration, logger: Logger, onConsuming: @escaping @Sendable () -> Void = {}) async throws -> QueueConsumer {
        guard let settings = configuration.queue else { throw ConfigurationProblem("the configuration has no queue section") }
        let broker = try settings.amqpConfiguration()
        let service = try await ScoreServer.makeScoreService(configuration: configuration, logger: logger)
        return QueueConsumer(settings: settings, broker: broker, service: service, maxBodyBytes: configuration.maxBodyBytes ?? 65536, logger: logger, onConsuming: onConsuming)
    }

    /// `credit consume --replay-dlq`: moves every dead-lettered message back to the queue, its
    /// error and attempt count cleared, each confirmed before it leaves the dead-letter queue.
    /// Returns how many were moved.
    static func replayDeadLetters(settings: ServerConfiguration.QueueSettings, broker: AMQPConfiguration, logger: Logger) async throws -> Int {
        let connection = try await AMQPConnection.connect(broker, logger: logger)
        let channel = try await connection.openChannel()
        try await channel.declareQueue(settings.deadLetterQueue)
        try await channel.enableConfirms()
        var moved = 0
        while let message = try await channel.get(queue: settings.deadLetterQueue) {
            var properties = message.properties
            properties.headers?[errorHeader] = nil
            properties.headers?[attemptHeader] = nil
            try await channel.publish(message.body, exchange: "", routingKey: settings.queueName, properties: properties, mandatory: true)
            try await channel.ack(message.deliveryTag)
            moved += 1
        }
        await connection.close()
        return moved
    }
}
