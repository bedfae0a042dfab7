public import NIOCore

/// A message the broker delivered (to a consumer, or in answer to `basic.get`).
public struct AMQPDelivery: Sendable {
    /// The channel-scoped tag that acknowledges this delivery.
    public var deliveryTag: UInt64
    /// Whether the broker delivered the message before (to this consumer or another) without an ack.
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    public var properties: AMQPProperties
    public var body: ByteBuffer
}

/// A content-carrying method whose header and body frames are still arriving.
struct IncomingContent {
    let method: AMQPMethod
    var expectedSize: UInt64?
    var properties = AMQPProperties()
    var body = ByteBuffer()

    init(_ method: AMQPMethod) { self.method = method }

    var isComplete: Bool { expectedSize.map { UInt64(body.readableBytes) == $0 } ?? false }

    func delivery() -> AMQPDelivery? {
        switch method {
        case let .basicDeliver(_, tag, redelivered, exchange, routingKey), let .basicGetOk(tag, redelivered, exchange, routingKey, _):
            AMQPDelivery(deliveryTag: tag, redelivered: redelivered, exchange: exchange, routingKey: routingKey, properties: properties, body: body)
        case let .basicReturn(_, _, exchange, routingKey):
            AMQPDelivery(deliveryTag: 0, redelivered: false, exchange: exchange, routingKey: routingKey, properties: properties, body: body)
        default: nil
        }
    }
}
