public import NIOCore

/// A channel on a connection: declarations, consuming, acknowledging and publishing. Methods
/// that wait for the broker's reply are answered in order; a channel the broker closes (a failed
/// declare, an unknown delivery tag) fails every call waiting on it with its reason.
public struct AMQPChannel: Sendable {
    let connection: AMQPConnection
    /// The channel number.
    public let id: UInt16

    /// Declares an exchange (`type` is direct, fanout, topic or headers); `passive` only checks it exists.
    public func declareExchange(_ name: String, type: String = "direct", durable: Bool = true, passive: Bool = false, arguments: AMQPTable = [:]) async throws(AMQPError) {
        _ = try await call(.exchangeDeclare(
            exchange: name, type: type, passive: passive, durable: durable, autoDelete: false, internal: false, noWait: false, arguments: arguments
        )) { $0 == .exchangeDeclareOk }
    }

    /// Declares a queue (with `x-dead-letter-exchange`, `x-message-ttl` and the like in
    /// `arguments`); returns its message and consumer counts.
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, passive: Bool = false, arguments: AMQPTable = [:]) async throws(AMQPError) -> (messages: UInt32, consumers: UInt32) {
        let reply = try await call(.queueDeclare(
            queue: name, passive: passive, durable: durable, exclusive: false, autoDelete: false, noWait: false, arguments: arguments
        )) { if case .queueDeclareOk = $0 { true } else { false } }
        guard case let .queueDeclareOk(_, messages, consumers) = reply.method else { return (0, 0) }
        return (messages, consumers)
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) async throws(AMQPError) {
        _ = try await call(.queueBind(queue: queue, exchange: exchange, routingKey: routingKey, noWait: false, arguments: arguments)) { $0 == .queueBindOk }
    }

    /// At most `prefetchCount` unacknowledged deliveries on this channel at a time.
    public func setPrefetch(_ prefetchCount: UInt16) async throws(AMQPError) {
        _ = try await call(.basicQos(prefetchSize: 0, prefetchCount: prefetchCount, global: false)) { $0 == .basicQosOk }
    }

    /// Puts the channel in confirm mode: from now on ``publish(_:exchange:routingKey:properties:mandatory:)``
    /// returns only once the broker has taken responsibility for the message.
    public func enableConfirms() async throws(AMQPError) {
        try await connection.onLoop { $0.enableConfirms(on: id) }
    }

    /// Publishes a message. In confirm mode it returns when the broker confirms it.
    /// - Throws: ``AMQPError/publishRefused`` (nack), ``AMQPError/unroutable(_:)`` (a mandatory
    ///   message no queue takes), or the channel's or connection's closing.
    public func publish(_ body: ByteBuffer, exchange: String, routingKey: String, properties: AMQPProperties = AMQPProperties(), mandatory: Bool = false) async throws(AMQPError) {
        try await connection.onLoop { $0.publish(body, exchange: exchange, routingKey: routingKey, properties: properties, mandatory: mandatory, on: id) }
    }

    /// Starts a consumer with manual acknowledgements; its deliveries arrive in order on the
    /// returned stream, which ends with an error when the channel or connection closes.
    public func consume(queue: String, consumerTag: String, arguments: AMQPTable = [:]) async throws(AMQPError) -> AsyncThrowingStream<AMQPDelivery, any Error> {
        let (stream, continuation) = AsyncThrowingStream<AMQPDelivery, any Error>.makeStream()
        try await connection.onLoop { $0.consume(queue: queue, tag: consumerTag, arguments: arguments, on: id, into: continuation) }
        return stream
    }

    /// Stops the consumer `consumerTag`; its stream ends after the deliveries already sent.
    public func cancel(consumerTag: String) async throws(AMQPError) {
        try await connection.onLoop { $0.cancelConsumer(consumerTag, on: id) }
    }

    /// One message from `queue`, or nil when it is empty (to be acknowledged like a delivery).
    public func get(queue: String) async throws(AMQPError) -> AMQPDelivery? {
        let reply = try await call(.basicGet(queue: queue, noAck: false)) {
            switch $0 {
            case .basicGetOk, .basicGetEmpty: true
            default: false
            }
        }
        return reply.delivery
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) async throws(AMQPError) {
        try await connection.onLoop { $0.cast(.basicAck(deliveryTag: deliveryTag, multiple: multiple), on: id) }
    }

    /// Refuses a delivery: `requeue` puts it back, otherwise it is dead-lettered (or dropped).
    public func reject(_ deliveryTag: UInt64, requeue: Bool) async throws(AMQPError) {
        try await connection.onLoop { $0.cast(.basicReject(deliveryTag: deliveryTag, requeue: requeue), on: id) }
    }

    /// Closes the channel cleanly.
    public func close() async throws(AMQPError) {
        try await connection.onLoop { $0.closeChannel(id) }
    }

    private func call(_ method: AMQPMethod, accepts: @escaping @Sendable (AMQPMethod) -> Bool) async throws(AMQPError) -> AMQPClientHandler.Reply {
        try await connection.onLoop { $0.call(method, on: id, accepts: accepts) }
    }
}
