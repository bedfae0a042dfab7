import NIOCore

/// The AMQP 0-9-1 methods the consumer uses, with their arguments (reserved fields omitted:
/// they are written as zero and skipped when read).
public enum AMQPMethod: Equatable, Sendable {
    // connection (class 10)
    case connectionStart(versionMajor: UInt8, versionMinor: UInt8, serverProperties: AMQPTable, mechanisms: String, locales: String)
    case connectionStartOk(clientProperties: AMQPTable, mechanism: String, response: [UInt8], locale: String)
    case connectionTune(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionTuneOk(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionOpen(virtualHost: String)
    case connectionOpenOk
    case connectionClose(AMQPCloseReason)
    case connectionCloseOk
    case connectionBlocked(reason: String)
    case connectionUnblocked
    // channel (class 20)
    case channelOpen
    case channelOpenOk
    case channelFlow(active: Bool)
    case channelFlowOk(active: Bool)
    case channelClose(AMQPCloseReason)
    case channelCloseOk
    // exchange (class 40)
    case exchangeDeclare(exchange: String, type: String, passive: Bool, durable: Bool, autoDelete: Bool, internal: Bool, noWait: Bool, arguments: AMQPTable)
    case exchangeDeclareOk
    // queue (class 50)
    case queueDeclare(queue: String, passive: Bool, durable: Bool, exclusive: Bool, autoDelete: Bool, noWait: Bool, arguments: AMQPTable)
    case queueDeclareOk(queue: String, messageCount: UInt32, consumerCount: UInt32)
    case queueBind(queue: String, exchange: String, routingKey: String, noWait: Bool, arguments: AMQPTable)
    case queueBindOk
    case queuePurge(queue: String, noWait: Bool)
    case queuePurgeOk(messageCount: UInt32)
    // basic (class 60)
    case basicQos(prefetchSize: UInt32, prefetchCount: UInt16, global: Bool)
    case basicQosOk
    case basicConsume(queue: String, consumerTag: String, noLocal: Bool, noAck: Bool, exclusive: Bool, noWait: Bool, arguments: AMQPTable)
    case basicConsumeOk(consumerTag: String)
    case basicCancel(consumerTag: String, noWait: Bool)
    case basicCancelOk(consumerTag: String)
    case basicPublish(exchange: String, routingKey: String, mandatory: Bool, immediate: Bool)
    case basicReturn(replyCode: UInt16, replyText: String, exchange: String, routingKey: String)
    case basicDeliver(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
    case basicGet(queue: String, noAck: Bool)
    case basicGetOk(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, messageCount: UInt32)
    case basicGetEmpty
    case basicAck(deliveryTag: UInt64, multiple: Bool)
    case basicReject(deliveryTag: UInt64, requeue: Bool)
    case basicNack(deliveryTag: UInt64, multiple: Bool, requeue: Bool)
    // confirm (class 85)
    case confirmSelect(noWait: Bool)
    case confirmSelectOk

    /// Whether content (a header frame and body frames) follows the method.
    public var carriesContent: Bool {
        switch self {
        case .basicPublish, .basicReturn, .basicDeliver, .basicGetOk: true
        default: false
        }
    }
}

/// Why the peer closes a connection or channel: the reply code and text, and the method that
/// caused it (0.0 when none did).
public struct AMQPCloseReason: Equatable, Sendable, CustomStringConvertible {
    public var replyCode: UInt16
    public var replyText: String
    public var classId: UInt16
    public var methodId: UInt16

    public init(replyCode: UInt16, replyText: String, classId: UInt16 = 0, methodId: UInt16 = 0) {
        (self.replyCode, self.replyText, self.classId, self.methodId) = (replyCode, replyText, classId, methodId)
    }

    public var description: String {
        classId == 0 ? "\(replyCode) \(replyText)" : "\(replyCode) \(replyText) (in method \(classId).\(methodId))"
    }
}

extension AMQPMethod {
    /// Reads a method frame's payload, all of it.
    static func read(from payload: inout ByteBuffer) throws(AMQPCodecError) -> AMQPMethod {
        let classId = try payload.readShort("class id")
        let methodId = try payload.readShort("method id")
        let name = "method \(classId).\(methodId)"
        var reader = ArgumentReader(buffer: payload, method: name)
        let method = try reader.method(classId: classId, methodId: methodId)
        guard reader.buffer.readableBytes == 0 else { throw .malformed("\(name) has \(reader.buffer.readableBytes) bytes past its arguments") }
        return method
    }

    /// Writes the method's payload: class and method ids, then arguments.
    func write(to buffer: inout ByteBuffer) throws(AMQPCodecError) {
        var writer = ArgumentWriter(buffer: buffer)
        try writer.write(self)
        buffer = writer.buffer
    }
}

/// Reads arguments in order, packing consecutive bits into octets as the grammar says.
private struct ArgumentReader {
    var buffer: ByteBuffer
    let method: String
    private var bits: UInt8 = 0
    private var bitIndex = 8

    init(buffer: ByteBuffer, method: String) { (self.buffer, self.method) = (buffer, method) }

    mutating func octet() throws(AMQPCodecError) -> UInt8 { bitIndex = 8; return try buffer.readOctet(method) }
    mutating func short() throws(AMQPCodecError) -> UInt16 { bitIndex = 8; return try buffer.readShort(method) }
    mutating func long() throws(AMQPCodecError) -> UInt32 { bitIndex = 8; return try buffer.readLong(method) }
    mutating func longLong() throws(AMQPCodecError) -> UInt64 { bitIndex = 8; return try buffer.readLongLong(method) }
    mutating func shortString() throws(AMQPCodecError) -> String { bitIndex = 8; return try buffer.readShortString(method) }
    mutating func longBytes() throws(AMQPCodecError) -> [UInt8] { bitIndex = 8; return try buffer.readLongBytes(method) }
    mutating func longString() throws(AMQPCodecError) -> String {
        let bytes = try longBytes()
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("\(method) has a long string that is not UTF-8") }
        return text
    }
    mutating func table() throws(AMQPCodecError) -> AMQPTable { bitIndex = 8; return try buffer.readTable("\(method) arguments") }
    mutating func bit() throws(AMQPCodecError) -> Bool {
        if bitIndex == 8 { (bits, bitIndex) = (try buffer.readOctet(method), 0) }
        defer { bitIndex += 1 }
        return bits & (1 << bitIndex) != 0
    }
    mutating func reason() throws(AMQPCodecError) -> AMQPCloseReason {
        AMQPCloseReason(replyCode: try short(), replyText: try shortString(), classId: try short(), methodId: try short())
    }

    mutating func method(classId: UInt16, methodId: UInt16) throws(AMQPCodecError) -> AMQPMethod {
        switch (classId, methodId) {
        case (10, 10):
            return .connectionStart(
                versionMajor: try octet(), versionMinor: try octet(), serverProperties: try table(), mechanisms: try longString(), locales: try longString())
        case (10, 11):
            return .connectionStartOk(clientProperties: try table(), mechanism: try shortString(), response: try longBytes(), locale: try shortString())
        case (10, 30): return .connectionTune(channelMax: try short(), frameMax: try long(), heartbeat: try short())
        case (10, 31): return .connectionTuneOk(channelMax: try short(), frameMax: try long(), heartbeat: try short())
        case (10, 40):
            let host = try shortString()
            _ = try shortString()
            _ = try bit()
            return .connectionOpen(virtualHost: host)
        case (10, 41): _ = try shortString(); return .connectionOpenOk
        case (10, 50): return .connectionClose(try reason())
        case (10, 51): return .connectionCloseOk
        case (10, 60): return .connectionBlocked(reason: try shortString())
        case (10, 61): return .connectionUnblocked
        case (20, 10): _ = try shortString(); return .channelOpen
        case (20, 11): _ = try longBytes(); return .channelOpenOk
        case (20, 20): return .channelFlow(active: try bit())
        case (20, 21): return .channelFlowOk(active: try bit())
        case (20, 40): return .channelClose(try reason())
        case (20, 41): return .channelCloseOk
        case (40, 10):
            _ = try short()
            return .exchangeDeclare(
                exchange: try shortString(), type: try shortString(), passive: try bit(), durable: try bit(), autoDelete: try bit(),
                internal: try bit(), noWait: try bit(), arguments: try table())
        case (40, 11): return .exchangeDeclareOk
        case (50, 10):
            _ = try short()
            return .queueDeclare(
                queue: try shortString(), passive: try bit(), durable: try bit(), exclusive: try bit(), autoDelete: try bit(), noWait: try bit(),
                arguments: try table())
        case (50, 11): return .queueDeclareOk(queue: try shortString(), messageCount: try long(), consumerCount: try long())
        case (50, 20):
            _ = try short()
            return .queueBind(queue: try shortString(), exchange: try shortString(), routingKey: try shortString(), noWait: try bit(), arguments: try table())
        case (50, 21): return .queueBindOk
        case (50, 30): _ = try short(); return .queuePurge(queue: try shortString(), noWait: try bit())
        case (50, 31): return .queuePurgeOk(messageCount: try long())
        case (60, 10): return .basicQos(prefetchSize: try long(), prefetchCount: try short(), global: try bit())
        case (60, 11): return .basicQosOk
        case (60, 20):
            _ = try short()
            return .basicConsume(
                queue: try shortString(), consumerTag: try shortString(), noLocal: try bit(), noAck: try bit(), exclusive: try bit(), noWait: try bit(),
                arguments: try table())
        case (60, 21): return .basicConsumeOk(consumerTag: try shortString())
        case (60, 30): return .basicCancel(consumerTag: try shortString(), noWait: try bit())
        case (60, 31): return .basicCancelOk(consumerTag: try shortString())
        case (60, 40):
            _ = try short()
            return .basicPublish(exchange: try shortString(), routingKey: try shortString(), mandatory: try bit(), immediate: try bit())
        case (60, 50): return .basicReturn(replyCode: try short(), replyText: try shortString(), exchange: try shortString(), routingKey: try shortString())
        case (60, 60):
            return .basicDeliver(
                consumerTag: try shortString(), deliveryTag: try longLong(), redelivered: try bit(), exchange: try shortString(), routingKey: try shortString())
        case (60, 70): _ = try short(); return .basicGet(queue: try shortString(), noAck: try bit())
        case (60, 71):
            return .basicGetOk(
                deliveryTag: try longLong(), redelivered: try bit(), exchange: try shortString(), routingKey: try shortString(), messageCount: try long())
        case (60, 72): _ = try shortString(); return .basicGetEmpty
        case (60, 80): return .basicAck(deliveryTag: try longLong(), multiple: try bit())
        case (60, 90): return .basicReject(deliveryTag: try longLong(), requeue: try bit())
        case (60, 120): return .basicNack(deliveryTag: try longLong(), multiple: try bit(), requeue: try bit())
        case (85, 10): return .confirmSelect(noWait: try bit())
        case (85, 11): return .confirmSelectOk
        default: throw .unknownMethod(classId: classId, methodId: methodId)
        }
    }
}

/// Writes arguments in order, packing consecutive bits into octets.
private struct ArgumentWriter {
    var buffer: ByteBuffer
    private var bitsIndex: Int?
    private var bitCount = 0

    init(buffer: ByteBuffer) { self.buffer = buffer }

    mutating func octet(_ value: UInt8) { bitsIndex = nil; buffer.writeInteger(value) }
    mutating func short(_ value: UInt16) { bitsIndex = nil; buffer.writeInteger(value) }
    mutating func long(_ value: UInt32) { bitsIndex = nil; buffer.writeInteger(value) }
    mutating func longLong(_ value: UInt64) { bitsIndex = nil; buffer.writeInteger(value) }
    mutating func shortString(_ value: String, _ what: String) throws(AMQPCodecError) { bitsIndex = nil; try buffer.writeShortString(value, what) }
    mutating func longBytes(_ value: [UInt8], _ what: String) throws(AMQPCodecError) { bitsIndex = nil; try buffer.writeLongBytes(value, what) }
    mutating func table(_ value: AMQPTable, _ what: String) throws(AMQPCodecError) { bitsIndex = nil; try buffer.writeTable(value, what) }
    mutating func bits(_ values: Bool...) {
        for value in values {
            if bitsIndex == nil || bitCount == 8 {
                bitsIndex = buffer.writerIndex
                bitCount = 0
                buffer.writeInteger(UInt8(0))
            }
            if value, let index = bitsIndex { buffer.setInteger(buffer.getInteger(at: index, as: UInt8.self)! | 1 << bitCount, at: index) }
            bitCount += 1
        }
    }
    mutating func reason(_ reason: AMQPCloseReason) throws(AMQPCodecError) {
        short(reason.replyCode)
        try shortString(reason.replyText, "reply text")
        short(reason.classId)
        short(reason.methodId)
    }
    mutating func ids(_ classId: UInt16, _ methodId: UInt16) { short(classId); short(methodId) }

    mutating func write(_ method: AMQPMethod) throws(AMQPCodecError) {
        switch method {
        case let .connectionStart(major, minor, properties, mechanisms, locales):
            ids(10, 10); octet(major); octet(minor); try table(properties, "server properties")
            try longBytes(Array(mechanisms.utf8), "mechanisms"); try longBytes(Array(locales.utf8), "locales")
        case let .connectionStartOk(properties, mechanism, response, locale):
            ids(10, 11); try table(properties, "client properties"); try shortString(mechanism, "mechanism")
            try longBytes(response, "response"); try shortString(locale, "locale")
        case let .connectionTune(channelMax, frameMax, heartbeat): ids(10, 30); short(channelMax); long(frameMax); short(heartbeat)
        case let .connectionTuneOk(channelMax, frameMax, heartbeat): ids(10, 31); short(channelMax); long(frameMax); short(heartbeat)
        case .connectionOpen(let host): ids(10, 40); try shortString(host, "virtual host"); try shortString("", "reserved"); bits(false)
        case .connectionOpenOk: ids(10, 41); try shortString("", "reserved")
        case .connectionClose(let reason): ids(10, 50); try self.reason(reason)
        case .connectionCloseOk: ids(10, 51)
        case .connectionBlocked(let reason): ids(10, 60); try shortString(reason, "reason")
        case .connectionUnblocked: ids(10, 61)
        case .channelOpen: ids(20, 10); try shortString("", "reserved")
        case .channelOpenOk: ids(20, 11); try longBytes([], "reserved")
        case .channelFlow(let active): ids(20, 20); bits(active)
        case .channelFlowOk(let active): ids(20, 21); bits(active)
        case .channelClose(let reason): ids(20, 40); try self.reason(reason)
        case .channelCloseOk: ids(20, 41)
        case let .exchangeDeclare(exchange, type, passive, durable, autoDelete, isInternal, noWait, arguments):
            ids(40, 10); short(0); try shortString(exchange, "exchange"); try shortString(type, "exchange type")
            bits(passive, durable, autoDelete, isInternal, noWait); try table(arguments, "arguments")
        case .exchangeDeclareOk: ids(40, 11)
        case let .queueDeclare(queue, passive, durable, exclusive, autoDelete, noWait, arguments):
            ids(50, 10); short(0); try shortString(queue, "queue"); bits(passive, durable, exclusive, autoDelete, noWait)
            try table(arguments, "arguments")
        case let .queueDeclareOk(queue, messages, consumers): ids(50, 11); try shortString(queue, "queue"); long(messages); long(consumers)
        case let .queueBind(queue, exchange, routingKey, noWait, arguments):
            ids(50, 20); short(0); try shortString(queue, "queue"); try shortString(exchange, "exchange")
            try shortString(routingKey, "routing key"); bits(noWait); try table(arguments, "arguments")
        case .queueBindOk: ids(50, 21)
        case let .queuePurge(queue, noWait): ids(50, 30); short(0); try shortString(queue, "queue"); bits(noWait)
        case .queuePurgeOk(let messages): ids(50, 31); long(messages)
        case let .basicQos(size, count, global): ids(60, 10); long(size); short(count); bits(global)
        case .basicQosOk: ids(60, 11)
        case let .basicConsume(queue, tag, noLocal, noAck, exclusive, noWait, arguments):
            ids(60, 20); short(0); try shortString(queue, "queue"); try shortString(tag, "consumer tag")
            bits(noLocal, noAck, exclusive, noWait); try table(arguments, "arguments")
        case .basicConsumeOk(let tag): ids(60, 21); try shortString(tag, "consumer tag")
        case let .basicCancel(tag, noWait): ids(60, 30); try shortString(tag, "consumer tag"); bits(noWait)
        case .basicCancelOk(let tag): ids(60, 31); try shortString(tag, "consumer tag")
        case let .basicPublish(exchange, routingKey, mandatory, immediate):
            ids(60, 40); short(0); try shortString(exchange, "exchange"); try shortString(routingKey, "routing key"); bits(mandatory, immediate)
        case let .basicReturn(code, text, exchange, routingKey):
            ids(60, 50); short(code); try shortString(text, "reply text"); try shortString(exchange, "exchange"); try shortString(routingKey, "routing key")
        case let .basicDeliver(tag, deliveryTag, redelivered, exchange, routingKey):
            ids(60, 60); try shortString(tag, "consumer tag"); longLong(deliveryTag); bits(redelivered)
            try shortString(exchange, "exchange"); try shortString(routingKey, "routing key")
        case let .basicGet(queue, noAck): ids(60, 70); short(0); try shortString(queue, "queue"); bits(noAck)
        case let .basicGetOk(deliveryTag, redelivered, exchange, routingKey, messages):
            ids(60, 71); longLong(deliveryTag); bits(redelivered); try shortString(exchange, "exchange")
            try shortString(routingKey, "routing key"); long(messages)
        case .basicGetEmpty: ids(60, 72); try shortString("", "reserved")
        case let .basicAck(tag, multiple): ids(60, 80); longLong(tag); bits(multiple)
        case let .basicReject(tag, requeue): ids(60, 90); longLong(tag); bits(requeue)
        case let .basicNack(tag, multiple, requeue): ids(60, 120); longLong(tag); bits(multiple, requeue)
        case .confirmSelect(let noWait): ids(85, 10); bits(noWait)
        case .confirmSelectOk: ids(85, 11)
        }
    }
}
