/// Why bytes from (or for) the broker are not a valid AMQP 0-9-1 frame. A frame error closes the
/// connection: after one, the stream's framing cannot be trusted.
public enum AMQPCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame (or the value being read) ends before its declared length.
    case truncated(String)
    /// The bytes break the grammar: a bad frame type or end octet, invalid UTF-8, trailing bytes.
    case malformed(String)
    /// A frame declares more bytes than the negotiated frame size.
    case frameTooLarge(size: UInt32, limit: UInt32)
    /// A method this client does not know.
    case unknownMethod(classId: UInt16, methodId: UInt16)
    /// A value too long for its field on the wire (a short string holds at most 255 bytes).
    case tooLong(String)

    public var description: String {
        switch self {
        case .truncated(let what): "AMQP frame truncated: \(what)"
        case .malformed(let what): "AMQP frame malformed: \(what)"
        case .frameTooLarge(let size, let limit): "AMQP frame of \(size) bytes is over the negotiated limit of \(limit)"
        case .unknownMethod(let classId, let methodId): "AMQP method \(classId).\(methodId) is not known to this client"
        case .tooLong(let what): "AMQP value too long: \(what)"
        }
    }
}
