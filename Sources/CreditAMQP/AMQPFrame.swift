public import NIOCore

/// One AMQP 0-9-1 frame: `type (octet) · channel (short) · size (long) · payload · 0xCE`.
public enum AMQPFrame: Equatable, Sendable {
    case method(channel: UInt16, AMQPMethod)
    /// The content header that follows a content-carrying method: the body's size and the
    /// message's properties.
    case header(channel: UInt16, bodySize: UInt64, properties: AMQPProperties)
    case body(channel: UInt16, ByteBuffer)
    case heartbeat

    /// The bytes a client sends first, before any frame.
    public static let protocolHeader: [UInt8] = Array("AMQP".utf8) + [0, 0, 9, 1]
    static let frameEnd: UInt8 = 0xCE
    /// Type octet, channel and size: what precedes the payload.
    static let headerLength = 7

    /// Reads one frame from the front of `buffer`: nil (nothing consumed) until the whole frame
    /// is there. A frame larger than `maximumSize` is refused from its header, before its bytes
    /// arrive, so a peer cannot make the client buffer an arbitrary amount.
    public static func read(from buffer: inout ByteBuffer, maximumSize: UInt32) throws(AMQPCodecError) -> AMQPFrame? {
        guard let (type, channel, size) = buffer.getMultipleIntegers(at: buffer.readerIndex, as: (UInt8, UInt16, UInt32).self) else { return nil }
        guard UInt64(size) + 8 <= UInt64(maximumSize) else { throw .frameTooLarge(size: size, limit: maximumSize) }
        guard buffer.readableBytes >= headerLength + Int(size) + 1 else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        var payload = buffer.readSlice(length: Int(size))!
        let end = buffer.readInteger(as: UInt8.self)!
        guard end == frameEnd else { throw .malformed("frame end octet is \(end), not 206") }
        switch type {
        case 1: return .method(channel: channel, try AMQPMethod.read(from: &payload))
        case 2:
            let classId = try payload.readShort("content header class")
            _ = try payload.readShort("content header weight")
            let bodySize = try payload.readLongLong("content header body size")
            guard classId == 60 else { throw .malformed("content header of class \(classId), not basic (60)") }
            let properties = try AMQPProperties.read(from: &payload)
            guard payload.readableBytes == 0 else { throw .malformed("content header has \(payload.readableBytes) bytes past its properties") }
            return .header(channel: channel, bodySize: bodySize, properties: properties)
        case 3: return .body(channel: channel, payload)
        case 8:
            guard channel == 0, size == 0 else { throw .malformed("heartbeat on channel \(channel) with \(size) bytes") }
            return .heartbeat
        default: throw .malformed("unknown frame type \(type)")
        }
    }

    /// Appends the frame's bytes to `buffer`.
    public func write(to buffer: inout ByteBuffer) throws(AMQPCodecError) {
        let start = buffer.writerIndex
        switch self {
        case .method(let channel, let method):
            buffer.writeMultipleIntegers(UInt8(1), channel, UInt32(0))
            try method.write(to: &buffer)
        case .header(let channel, let bodySize, let properties):
            buffer.writeMultipleIntegers(UInt8(2), channel, UInt32(0), UInt16(60), UInt16(0), bodySize)
            try properties.write(to: &buffer)
        case .body(let channel, var bytes):
            buffer.writeMultipleIntegers(UInt8(3), channel, UInt32(0))
            buffer.writeBuffer(&bytes)
        case .heartbeat:
            buffer.writeMultipleIntegers(UInt8(8), UInt16(0), UInt32(0))
        }
        let size = buffer.writerIndex - start - Self.headerLength
        guard size <= UInt32.max else { throw .tooLong("frame payload") }
        buffer.setInteger(UInt32(size), at: start + 3)
        buffer.writeInteger(Self.frameEnd)
    }
}

/// A message's basic properties (the content header's property list).
public struct AMQPProperties: Equatable, Sendable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable?
    /// 2 for persistent (written to disk by the broker), 1 for transient.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationId: String?
    public var replyTo: String?
    /// Per-message time to live, milliseconds as decimal text.
    public var expiration: String?
    public var messageId: String?
    public var timestamp: UInt64?
    public var type: String?
    public var userId: String?
    public var appId: String?
    public var clusterId: String?

    public init(
        contentType: String? = nil, headers: AMQPTable? = nil, deliveryMode: UInt8? = nil, correlationId: String? = nil,
        expiration: String? = nil, messageId: String? = nil, timestamp: UInt64? = nil, type: String? = nil, appId: String? = nil
    ) {
        self.contentType = contentType
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.correlationId = correlationId
        self.expiration = expiration
        self.messageId = messageId
        self.timestamp = timestamp
        self.type = type
        self.appId = appId
    }

    /// Property flags from bit 15 down, in the grammar's order; bit 0 (continuation) is never set
    /// by a 0-9-1 peer, and a set one is refused.
    static func read(from buffer: inout ByteBuffer) throws(AMQPCodecError) -> AMQPProperties {
        let flags = try buffer.readShort("property flags")
        guard flags & 1 == 0 else { throw .malformed("property flags continue into a second word") }
        func has(_ bit: Int) -> Bool { flags & (1 << bit) != 0 }
        var properties = AMQPProperties()
        if has(15) { properties.contentType = try buffer.readShortString("content-type") }
        if has(14) { properties.contentEncoding = try buffer.readShortString("content-encoding") }
        if has(13) { properties.headers = try buffer.readTable("headers") }
        if has(12) { properties.deliveryMode = try buffer.readOctet("delivery-mode") }
        if has(11) { properties.priority = try buffer.readOctet("priority") }
        if has(10) { properties.correlationId = try buffer.readShortString("correlation-id") }
        if has(9) { properties.replyTo = try buffer.readShortString("reply-to") }
        if has(8) { properties.expiration = try buffer.readShortString("expiration") }
        if has(7) { properties.messageId = try buffer.readShortString("message-id") }
        if has(6) { properties.timestamp = try buffer.readLongLong("timestamp") }
        if has(5) { properties.type = try buffer.readShortString("type") }
        if has(4) { properties.userId = try buffer.readShortString("user-id") }
        if has(3) { properties.appId = try buffer.readShortString("app-id") }
        if has(2) { properties.clusterId = try buffer.readShortString("cluster-id") }
        return properties
    }

    func write(to buffer: inout ByteBuffer) throws(AMQPCodecError) {
        let flagsIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        var flags: UInt16 = 0
        func string(_ value: String?, _ bit: Int, _ name: String) throws(AMQPCodecError) {
            guard let value else { return }
            flags |= 1 << bit
            try buffer.writeShortString(value, name)
        }
        try string(contentType, 15, "content-type")
        try string(contentEncoding, 14, "content-encoding")
        if let headers { flags |= 1 << 13; try buffer.writeTable(headers, "headers") }
        if let deliveryMode { flags |= 1 << 12; buffer.writeInteger(deliveryMode) }
        if let priority { flags |= 1 << 11; buffer.writeInteger(priority) }
        try string(correlationId, 10, "correlation-id")
        try string(replyTo, 9, "reply-to")
        try string(expiration, 8, "expiration")
        try string(messageId, 7, "message-id")
        if let timestamp { flags |= 1 << 6; buffer.writeInteger(timestamp) }
        try string(type, 5, "type")
        try string(userId, 4, "user-id")
        try string(appId, 3, "app-id")
        try string(clusterId, 2, "cluster-id")
        buffer.setInteger(flags, at: flagsIndex)
    }
}
