/// Why an AMQP operation failed.
public enum AMQPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broker could not be reached, or the handshake did not complete.
    case connectionFailed(String)
    /// The connection is closed: by the broker (with its reason), by this client, or lost.
    case connectionClosed(AMQPCloseReason?)
    /// The broker closed the channel (a failed declare, an unknown queue, a bad ack).
    case channelClosed(AMQPCloseReason)
    /// The peer broke the protocol: a bad frame or a method out of turn.
    case protocolViolation(String)
    /// The broker refused a published message (`basic.nack`): it did not take responsibility.
    case publishRefused
    /// A mandatory message no queue was bound to receive (`basic.return`).
    case unroutable(String)
    /// A value this client cannot send (too long for its field).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .connectionFailed(let why): "AMQP connection failed: \(why)"
        case .connectionClosed(let reason?): "AMQP connection closed by the broker: \(reason)"
        case .connectionClosed(nil): "AMQP connection closed"
        case .channelClosed(let reason): "AMQP channel closed by the broker: \(reason)"
        case .protocolViolation(let what): "AMQP protocol violation: \(what)"
        case .publishRefused: "the broker refused the message (basic.nack)"
        case .unroutable(let why): "the message could not be routed: \(why)"
        case .invalidArgument(let why): "AMQP argument refused: \(why)"
        }
    }
}
