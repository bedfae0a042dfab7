import CreditAMQP
import CreditTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import Testing

/// A real `credit consume` process on the test's broker, with its own store and keys.
final class ConsumerProcess: @unchecked Sendable {
    let directory: TemporaryDirectory
    let process = Process()
    private(set) var port = 0
    var storePath: String { directory.path("store.sqlite") }
    var keyPath: String { directory.path("store.key") }
    var log: String { (try? String(contentsOfFile: directory.path("consumer.log"), encoding: .utf8)) ?? "" }

    /// Writes the test configuration with a queue section on `broker`, then starts the consumer
    /// and waits for "consuming loan.applied".
    init(broker: ThrowawayRabbitMQ, directory: TemporaryDirectory? = nil, queue: [String: Any] = [:], overrides: [String: Any] = [:]) throws {
        self.directory = try directory ?? TemporaryDirectory()
        let settings: [String: Any] = ["url": broker.url, "caller": "loan-service", "retryDelaysSeconds": [1], "prefetch": 8].merging(queue) { $1 }
        let path = try ServerProcess.writeConfiguration(in: self.directory, overrides: overrides.merging(["queue": settings]) { $1 })
        let output = try ServerProcess.launch(process, ["consume", "--config", path], log: self.directory.path("consumer.log"))
        // Two lines, in either order: "listening on HOST:PORT" and "consuming loan.applied".
        var lines: [String] = []
        while lines.count < 2 {
            var line = Data()
            while line.count < 200 {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data([0x0A]) { break }
                line.append(byte)
            }
            guard !line.isEmpty else { break }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        let listening = lines.first { $0.hasPrefix("listening on 127.0.0.1:") }
        guard lines.contains("consuming loan.applied"), let port = listening.flatMap({ Int($0.split(separator: ":").last ?? "") }) else {
            process.terminate()
            throw ServerProcess.ServerStartFailure(output: lines.joined(separator: "\n") + self.log)
        }
        self.port = port
    }

    /// The status of GET `path` on the consumer's health and metrics port.
    func status(_ path: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return (response as! HTTPURLResponse).statusCode
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }
}

/// Reads every message of `queue` (acknowledged) until `count` have come, or `seconds` pass.
private func drain(_ queue: String, on channel: AMQPChannel, until count: Int, within seconds: Int = 60) async throws -> [AMQPDelivery] {
    var found: [AMQPDelivery] = []
    let deadline = ContinuousClock.now + .seconds(seconds)
    while found.count < count, ContinuousClock.now < deadline {
        if let message = try await channel.get(queue: queue) {
            found.append(message)
            try await channel.ack(message.deliveryTag)
        } else {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
    return found
}

/// A connection whose channel has the queue `results` bound to every CreditScoredEvent, and confirms on.
private func resultsChannel(_ broker: ThrowawayRabbitMQ) async throws -> (AMQPConnection, AMQPChannel) {
    let connection = try await AMQPConnection.connect(try AMQPConfiguration(url: broker.url))
    let channel = try await connection.openChannel()
    try await channel.declareQueue("results")
    try await channel.bindQueue("results", exchange: "credit.scored", routingKey: "#")
    try await channel.enableConfirms()
    return (connection, channel)
}

/// `read`, then results until each of `events` events has one (two minutes at most).
private func allResults(coveringAll events: Int, after read: [AMQPDelivery], on channel: AMQPChannel) async throws -> [AMQPDelivery] {
    var results = read
    let deadline = ContinuousClock.now + .seconds(120)
    while Set(results.compactMap(\.properties.messageId)).count < events, ContinuousClock.now < deadline {
        results += try await drain("results", on: channel, until: 1, within: 5)
    }
    return results
}

private func publish(_ bodies: [Data], on channel: AMQPChannel) async throws {
    for body in bodies {
        try await channel.publish(ByteBuffer(bytes: body), exchange: "", routingKey: "loan.applied",
                                  properties: AMQPProperties(contentType: "application/json", deliveryMode: 2), mandatory: true)
    }
}

@Suite("credit consume on a real RabbitMQ: each event stored once and its result published, invalid ones dead-lettered with the reason, kill -9 loses nothing", .serialized, .timeLimit(.minutes(4)))
struct QueueConsumerTests {
    @Test("events with duplicates and malformed messages: one decision and a result per event, every malformed one in the DLQ with its reason, no value in it")
    func eventsDuplicatesAndInvalid() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let consumer = try ConsumerProcess(broker: broker)
        let (connection, channel) = try await resultsChannel(broker)
        let valid = (1...30).map { ServerProcess.application("evt-\($0)", loanId: "loan-\($0)") }
        let invalid = [
            Data("not json at all".utf8),
            ServerProcess.application("evt-bad-1", features: ["monthly_income": "NIK 3201234567890123"]),
            Data(String(repeating: " ", count: 20_000).utf8) + ServerProcess.application("evt-bad-2"),
        ]
        try await publish(valid + Array(valid.prefix(10)) + invalid, on: channel)
        let results = try await drain("results", on: channel, until: 40)
        #expect(results.count == 40)
        let events = results.compactMap { $0.properties.messageId }
        #expect(Set(events) == Set((1...30).map { "evt-\($0)" }))
        for result in results {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(result.body.readableBytesView)) as? [String: Any])
            #expect(body["score_id"] is String && body["decision"] is String, "\(body.keys.sorted())")
            #expect(result.properties.type == "CreditScoredEvent")
        }
        // A duplicate's result is the stored one, byte for byte.
        let first = results.first { $0.properties.messageId == "evt-1" }!
        #expect(results.filter { $0.properties.messageId == "evt-1" }.allSatisfy { $0.body == first.body })
        let dead = try await drain("loan.applied.dlq", on: channel, until: 3)
        #expect(dead.count == 3)
        let reasons = dead.compactMap { $0.properties.headers?["x-credit-error"]?.text }
        #expect(reasons.count == 3, "\(reasons)")
        #expect(reasons.contains { $0.contains("features.monthly_income") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("too large") }, "\(reasons)")
        #expect(!reasons.joined().contains("3201234567890123"))
        #expect(!consumer.log.contains("3201234567890123"))
        #expect(consumer.stop() == 0)
        let verify = try credit(["audit", "verify", "--store", consumer.storePath, "--key-file", consumer.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: 30 rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        await connection.close()
    }

    @Test("the store down: events wait in the retry queues and are scored, once each, when it is back")
    func storeDownThenUp() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let postgres = try ThrowawayPostgres()
        let migrated = try credit(["store", "migrate", "--store", postgres.url(owner: true), "--service-role", "credit_service"])
        try #require(migrated.status == 0, "\(migrated.stderr)")
        let consumer = try ConsumerProcess(
            broker: broker, queue: ["retryDelaysSeconds": Array(repeating: 1, count: 10)],
            overrides: ["store": postgres.url(), "createStore": NSNull(), "postgres": ["connectTimeoutSeconds": 1, "statementTimeoutMilliseconds": 1000]])
        let (connection, channel) = try await resultsChannel(broker)
        postgres.stop()
        try await publish((1...5).map { ServerProcess.application("evt-\($0)", loanId: "loan-\($0)") }, on: channel)
        // Down longer than a request's deadlines (the connect plus statement timeout, and a
        // second, for the key read and for the commit): the first attempts fail and are retried.
        try await Task.sleep(for: .seconds(10))
        #expect(try await drain("results", on: channel, until: 1, within: 1).isEmpty, "no result while the store is down")
        try postgres.start()
        let results = try await drain("results", on: channel, until: 5, within: 90)
        #expect(Set(results.compactMap(\.properties.messageId)) == Set((1...5).map { "evt-\($0)" }))
        #expect(consumer.log.contains("transient failure"))
        #expect(try await drain("loan.applied.dlq", on: channel, until: 1, within: 1).isEmpty)
        #expect(consumer.stop() == 0)
        let verify = try credit(["audit", "verify", "--store", postgres.url(), "--key-file", consumer.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: 5 rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        await connection.close()
    }

    @Test("the broker killed and restarted under the consumer: it reconnects, every event is decided once and its result published")
    func brokerRestarted() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let consumer = try ConsumerProcess(broker: broker)
        var (connection, channel) = try await resultsChannel(broker)
        let events = 150
        try await publish((1...events).map { ServerProcess.application("evt-\($0)", loanId: "loan-\($0)") }, on: channel)
        var results = try await drain("results", on: channel, until: 10)
        #expect(try await consumer.status("/health/ready") == 200)
        broker.stop(immediately: true)
        // Not ready while the broker is away; the store is still reachable.
        var ready = 200
        for _ in 0..<50 where ready == 200 {
            ready = try await consumer.status("/health/ready")
            if ready == 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready == 503)
        #expect(try await consumer.status("/health/live") == 200)
        try await broker.start()
        connection = try await AMQPConnection.connect(try AMQPConfiguration(url: broker.url))
        channel = try await connection.openChannel()
        results = try await allResults(coveringAll: events, after: results, on: channel)
        #expect(Set(results.compactMap(\.properties.messageId)).count == events)
        #expect(consumer.log.contains("broker unavailable"))
        // Ready again once it has reconnected (its backoff is at most 30 s).
        let reconnected = ContinuousClock.now + .seconds(45)
        while try await consumer.status("/health/ready") != 200, ContinuousClock.now < reconnected {
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await consumer.status("/health/ready") == 200)
        #expect(try await consumer.status("/metrics") == 200)
        #expect(consumer.stop() == 0)
        let verify = try credit(["audit", "verify", "--store", consumer.storePath, "--key-file", consumer.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: \(events) rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        await connection.close()
    }

    @Test("--replay-dlq moves dead letters back to the queue, their error cleared")
    func replayDeadLetters() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let consumer = try ConsumerProcess(broker: broker)
        let connection = try await AMQPConnection.connect(try AMQPConfiguration(url: broker.url))
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        try await publish([Data("not json".utf8), Data("{}".utf8)], on: channel)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await channel.declareQueue("loan.applied.dlq", passive: true).messages < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(consumer.stop() == 0)
        let replay = try credit(["consume", "--config", consumer.directory.path("server.json"), "--replay-dlq"])
        #expect(replay.status == 0 && replay.stdout.contains("moved 2 messages back to the queue"), "\(replay.stdout)\(replay.stderr)")
        #expect(try await channel.declareQueue("loan.applied.dlq", passive: true).messages == 0)
        #expect(try await channel.declareQueue("loan.applied", passive: true).messages == 2)
        let moved = try await drain("loan.applied", on: channel, until: 2)
        #expect(moved.allSatisfy { $0.properties.headers?["x-credit-error"] == nil })
        #expect(Set(moved.map { String(buffer: $0.body) }) == ["not json", "{}"])
        await connection.close()
    }

    @Test("credit serve with a queue section serves HTTP and consumes: an event scored over HTTP, then delivered on the queue, is decided once")
    func serveRunsBoth() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let server = try ServerProcess(overrides: ["queue": ["url": broker.url, "caller": "loan-service"]])
        // The consumer declares its queues and exchange once it is connected (the exchange last).
        let probe = try await AMQPConnection.connect(try AMQPConfiguration(url: broker.url))
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await probe.openChannel().declareExchange("credit.scored", type: "topic", passive: true)) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        await probe.close()
        let (connection, channel) = try await resultsChannel(broker)
        let body = ServerProcess.application("evt-both")
        let answered = try await server.request("POST", "/api/v1/scores", body: body)
        #expect(answered.status == 201)
        try await publish([body], on: channel)
        let results = try await drain("results", on: channel, until: 1)
        #expect(results.count == 1)
        #expect(results.first.map { Data($0.body.readableBytesView) } == answered.body, "the queue's result is the HTTP answer, byte for byte")
        #expect(server.stop() == 0)
        let verify = try credit(["audit", "verify", "--store", server.storePath, "--key-file", server.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: 1 rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        await connection.close()
    }

    @Test("kill -9 of the consumer mid-stream, then a restart: every event decided once, every result published, the chain intact")
    func killedMidStream() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let first = try ConsumerProcess(broker: broker)
        let (connection, channel) = try await resultsChannel(broker)
        let events = 200
        try await publish((1...events).map { ServerProcess.application("evt-\($0)", loanId: "loan-\($0)") }, on: channel)
        var results = try await drain("results", on: channel, until: 20)
        first.kill9()
        let second = try ConsumerProcess(broker: broker, directory: first.directory)
        // Redelivered messages already decided are published again: at least one result per event.
        results = try await allResults(coveringAll: events, after: results, on: channel)
        #expect(Set(results.compactMap(\.properties.messageId)).count == events)
        #expect(second.stop() == 0)
        let verify = try credit(["audit", "verify", "--store", second.storePath, "--key-file", second.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: \(events) rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        // Every result of one event is the one stored decision.
        let byEvent = Dictionary(grouping: results) { $0.properties.messageId ?? "" }
        #expect(byEvent.values.allSatisfy { Set($0.map(\.body)).count == 1 })
        await connection.close()
    }
}
