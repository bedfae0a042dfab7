import CreditTestSupport
import NIOCore
import Testing

@testable import CreditAMQP

/// One of every method the client reads or writes, with arguments that exercise each field.
let sampleMethods: [AMQPMethod] = [
    .connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: ["product": .text("RabbitMQ"), "capabilities": .table(["basic.nack": .bool(true)])],
                     mechanisms: "AMQPLAIN PLAIN", locales: "en_US"),
    .connectionStartOk(clientProperties: ["product": .text("CreditEngine")], mechanism: "PLAIN", response: [0, 117, 0, 112], locale: "en_US"),
    .connectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60),
    .connectionTuneOk(channelMax: 2047, frameMax: 131_072, heartbeat: 30),
    .connectionOpen(virtualHost: "/"), .connectionOpenOk,
    .connectionClose(AMQPCloseReason(replyCode: 320, replyText: "CONNECTION_FORCED - broker forced connection closure", classId: 0, methodId: 0)),
    .connectionCloseOk, .connectionBlocked(reason: "low on memory"), .connectionUnblocked,
    .channelOpen, .channelOpenOk, .channelFlow(active: true), .channelFlowOk(active: false),
    .channelClose(AMQPCloseReason(replyCode: 404, replyText: "NOT_FOUND - no queue 'x'", classId: 50, methodId: 10)), .channelCloseOk,
    .exchangeDeclare(exchange: "credit.results", type: "topic", passive: false, durable: true, autoDelete: false, internal: true, noWait: false,
                     arguments: ["alternate-exchange": .text("ae")]),
    .exchangeDeclareOk,
    .queueDeclare(queue: "loan.applied", passive: false, durable: true, exclusive: false, autoDelete: true, noWait: false,
                  arguments: ["x-dead-letter-exchange": .text("dlx"), "x-message-ttl": .int64(5000), "x-queue-type": .text("quorum")]),
    .queueDeclareOk(queue: "loan.applied", messageCount: 12, consumerCount: 1),
    .queueBind(queue: "q", exchange: "x", routingKey: "loan.#", noWait: false, arguments: [:]), .queueBindOk,
    .queuePurge(queue: "q", noWait: false), .queuePurgeOk(messageCount: 3),
    .basicQos(prefetchSize: 0, prefetchCount: 64, global: false), .basicQosOk,
    .basicConsume(queue: "q", consumerTag: "credit-1", noLocal: false, noAck: false, exclusive: true, noWait: false, arguments: ["x-priority": .int32(5)]),
    .basicConsumeOk(consumerTag: "credit-1"), .basicCancel(consumerTag: "credit-1", noWait: true), .basicCancelOk(consumerTag: "credit-1"),
    .basicPublish(exchange: "", routingKey: "q", mandatory: true, immediate: false),
    .basicReturn(replyCode: 312, replyText: "NO_ROUTE", exchange: "x", routingKey: "nowhere"),
    .basicDeliver(consumerTag: "credit-1", deliveryTag: UInt64.max, redelivered: true, exchange: "x", routingKey: "loan.applied"),
    .basicGet(queue: "dlq", noAck: false),
    .basicGetOk(deliveryTag: 7, redelivered: false, exchange: "", routingKey: "dlq", messageCount: 41), .basicGetEmpty,
    .basicAck(deliveryTag: 9, multiple: true), .basicReject(deliveryTag: 10, requeue: false),
    .basicNack(deliveryTag: 11, multiple: false, requeue: true),
    .confirmSelect(noWait: false), .confirmSelectOk,
]

private func bytes(_ frame: AMQPFrame) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try frame.write(to: &buffer)
    return Array(buffer.readableBytesView)
}

private func read(_ bytes: [UInt8], maximumSize: UInt32 = 131_072) throws(AMQPCodecError) -> (AMQPFrame?, consumed: Int) {
    var buffer = ByteBuffer(bytes: bytes)
    let frame = try AMQPFrame.read(from: &buffer, maximumSize: maximumSize)
    return (frame, buffer.readerIndex)
}

@Suite("AMQP 0-9-1 frame codec: the grammar's bytes, round trips, and hostile frames refused")
struct AMQPFrameTests {
    @Test("every method reads back as written, using every byte of its frame")
    func methodRoundTrips() throws {
        for method in sampleMethods {
            let written = try bytes(.method(channel: 3, method))
            let (frame, consumed) = try read(written)
            #expect(frame == .method(channel: 3, method))
            #expect(consumed == written.count)
        }
    }

    @Test("bytes as the specification lays them out (written here by hand, not by the encoder)")
    func specificationBytes() throws {
        #expect(AMQPFrame.protocolHeader == [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1])
        #expect(try bytes(.heartbeat) == [8, 0, 0, 0, 0, 0, 0, 0xCE])
        // basic.ack (60.80) on channel 1: delivery tag 5, multiple set.
        let ack: [UInt8] = [1, 0, 1, 0, 0, 0, 13, 0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0xCE]
        #expect(try bytes(.method(channel: 1, .basicAck(deliveryTag: 5, multiple: true))) == ack)
        #expect(try read(ack).0 == .method(channel: 1, .basicAck(deliveryTag: 5, multiple: true)))
        // basic.nack's two bits share one octet: multiple (bit 0) clear, requeue (bit 1) set.
        #expect(try bytes(.method(channel: 1, .basicNack(deliveryTag: 5, multiple: false, requeue: true))).suffix(2) == [0b10, 0xCE])
        // queue.declare "q", durable only: reserved short, shortstr, one octet of five bits (durable = bit 1), empty table.
        let declare: [UInt8] = [1, 0, 2, 0, 0, 0, 13, 0, 50, 0, 10, 0, 0, 1, 0x71, 0b10, 0, 0, 0, 0, 0xCE]
        #expect(try bytes(.method(channel: 2, .queueDeclare(queue: "q", passive: false, durable: true, exclusive: false, autoDelete: false,
                                                             noWait: false, arguments: [:]))) == declare)
        // A content header with headers {"a": I 1} and delivery mode 2: flags 0x3000.
        let header: [UInt8] = [2, 0, 1, 0, 0, 0, 26, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x30, 0x00,
                               0, 0, 0, 7, 1, 0x61, 0x49, 0, 0, 0, 1, 2, 0xCE]
        let properties = AMQPProperties(headers: ["a": .int32(1)], deliveryMode: 2)
        #expect(try bytes(.header(channel: 1, bodySize: 9, properties: properties)) == header)
        #expect(try read(header).0 == .header(channel: 1, bodySize: 9, properties: properties))
    }

    @Test("field tables of every value type and every property read back as written")
    func tablesAndProperties() throws {
        let table: AMQPTable = [
            "bool": .bool(true), "i8": .int8(-8), "u8": .uint8(200), "i16": .int16(-300), "u16": .uint16(60000), "i32": .int32(-70000),
            "u32": .uint32(4_000_000_000), "i64": .int64(Int64.min), "f": .float(1.5), "d": .double(-2.25), "dec": .decimal(scale: 2, value: 12345),
            "s": .longString([0, 255, 10]), "x": .bytes([1, 2, 3]), "t": .timestamp(1_764_000_000), "v": .void,
            "a": .array([.int32(1), .text("two"), .array([.bool(false)])]), "nested": .table(["deep": .table(["deeper": .text("yes")])]),
        ]
        var properties = AMQPProperties(
            contentType: "application/json", headers: table, deliveryMode: 2, correlationId: "corr", expiration: "60000", messageId: "evt-1",
            timestamp: 1_764_000_000, type: "LoanAppliedEvent", appId: "loan-service")
        (properties.contentEncoding, properties.priority, properties.replyTo) = ("utf-8", 4, "reply")
        (properties.userId, properties.clusterId) = ("guest", "c1")
        let frame = AMQPFrame.header(channel: 9, bodySize: 1 << 40, properties: properties)
        #expect(try read(bytes(frame)).0 == frame)
        #expect(try read(bytes(.header(channel: 9, bodySize: 0, properties: AMQPProperties()))).0 == .header(channel: 9, bodySize: 0, properties: AMQPProperties()))
        // Equal tables give equal bytes, whatever order they were built in.
        var reordered: AMQPTable = [:]
        for key in table.keys.sorted().reversed() { reordered[key] = table[key] }
        #expect(try bytes(.header(channel: 1, bodySize: 0, properties: AMQPProperties(headers: reordered)))
            == bytes(.header(channel: 1, bodySize: 0, properties: AMQPProperties(headers: table))))
    }

    @Test("an incomplete frame reads as nothing yet and consumes nothing, at every length")
    func incompleteFrames() throws {
        let written = try bytes(.method(channel: 1, sampleMethods[0]))
        for length in 0..<written.count {
            let (frame, consumed) = try read(Array(written.prefix(length)))
            #expect(frame == nil && consumed == 0, "prefix of \(length) bytes")
        }
        // Two frames in one read: the first, then the second.
        var buffer = ByteBuffer(bytes: try bytes(.heartbeat) + bytes(.method(channel: 1, .basicQosOk)))
        #expect(try AMQPFrame.read(from: &buffer, maximumSize: 4096) == .heartbeat)
        #expect(try AMQPFrame.read(from: &buffer, maximumSize: 4096) == .method(channel: 1, .basicQosOk))
        #expect(buffer.readableBytes == 0)
    }

    @Test("hostile frames are refused with the reason, never a crash or a wait for bytes that are not coming")
    func hostileFrames() throws {
        // Too large, refused from its seven header bytes alone.
        #expect(throws: AMQPCodecError.frameTooLarge(size: 0xFFFF_FFFF, limit: 131_072)) { try read([1, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: AMQPCodecError.frameTooLarge(size: 4089, limit: 4096)) { try read([3, 0, 1, 0, 0, 0x0F, 0xF9], maximumSize: 4096) }
        #expect(throws: AMQPCodecError.malformed("frame end octet is 0, not 206")) { try read([8, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: AMQPCodecError.malformed("unknown frame type 9")) { try read([9, 0, 0, 0, 0, 0, 0, 0xCE]) }
        #expect(throws: AMQPCodecError.malformed("heartbeat on channel 1 with 0 bytes")) { try read([8, 0, 1, 0, 0, 0, 0, 0xCE]) }
        #expect(throws: AMQPCodecError.unknownMethod(classId: 60, methodId: 99)) { try read([1, 0, 1, 0, 0, 0, 4, 0, 60, 0, 99, 0xCE]) }
        // A short string longer than what is left of its frame.
        #expect(throws: AMQPCodecError.truncated("method 60.21")) { try read([1, 0, 1, 0, 0, 0, 6, 0, 60, 0, 21, 200, 0x61, 0xCE]) }
        // A table whose size runs past its frame.
        #expect(throws: AMQPCodecError.truncated("headers")) {
            try read([2, 0, 1, 0, 0, 0, 18, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 200, 0xCE])
        }
        #expect(throws: AMQPCodecError.malformed("method 60.80 has 2 bytes past its arguments")) {
            try read([1, 0, 1, 0, 0, 0, 15, 0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 5, 1, 7, 7, 0xCE])
        }
        #expect(throws: AMQPCodecError.malformed("method 60.21 is not UTF-8")) { try read([1, 0, 1, 0, 0, 0, 7, 0, 60, 0, 21, 2, 0xC3, 0x28, 0xCE]) }
        #expect(throws: AMQPCodecError.malformed("headers.k has an unknown field type 122")) {
            try read([2, 0, 1, 0, 0, 0, 21, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 3, 1, 0x6B, 0x7A, 0xCE])
        }
        #expect(throws: AMQPCodecError.malformed("content header of class 50, not basic (60)")) {
            try read([2, 0, 1, 0, 0, 0, 14, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xCE])
        }
        // Tables nested past the limit: refused, not a stack overflow.
        var deep = AMQPFieldValue.text("bottom")
        for _ in 0..<40 { deep = .table(["n": deep]) }
        #expect(throws: AMQPCodecError.malformed("headers" + String(repeating: ".n", count: 16) + " nests deeper than 16")) {
            try read(bytes(.header(channel: 1, bodySize: 0, properties: AMQPProperties(headers: ["n": deep]))))
        }
        // What cannot be written is refused before a byte is sent.
        #expect(throws: AMQPCodecError.tooLong("queue is 256 bytes, a short string holds 255")) {
            try bytes(.method(channel: 1, .basicGet(queue: String(repeating: "q", count: 256), noAck: false)))
        }
    }

    @Test("random mutations of valid frames: each reads as a frame that round-trips, as incomplete, or as a codec error")
    func mutations() throws {
        var random = SeededGenerator(seed: 0x414D_5150)
        let valid = try sampleMethods.map { try bytes(.method(channel: 1, $0)) }
            + [try bytes(.header(channel: 1, bodySize: 5, properties: AMQPProperties(contentType: "application/json", headers: ["a": .array([.int8(1)])]))),
               try bytes(.body(channel: 1, ByteBuffer(bytes: [1, 2, 3]))), try bytes(.heartbeat)]
        var outcomes = (frames: 0, incomplete: 0, errors: 0)
        for _ in 0..<20_000 {
            var mutated = valid[Int(random.next() % UInt64(valid.count))]
            for _ in 0...(random.next() % 4) {
                switch random.next() % 4 {
                case 0: mutated[Int(random.next() % UInt64(mutated.count))] ^= UInt8(1 << (random.next() % 8))
                case 1: mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
                case 2 where mutated.count > 1: mutated.removeLast(Int(random.next() % UInt64(mutated.count - 1)) + 1)
                default: mutated.insert(UInt8(truncatingIfNeeded: random.next()), at: Int(random.next() % UInt64(mutated.count + 1)))
                }
            }
            do {
                let (frame, _) = try read(mutated)
                guard let frame else {
                    outcomes.incomplete += 1
                    continue
                }
                outcomes.frames += 1
                // Compared as bytes: a mutated float can be NaN, which equals nothing.
                let again = try #require(try read(bytes(frame)).0)
                #expect(try bytes(again) == bytes(frame), "a frame read from mutated bytes round-trips")
            } catch {
                outcomes.errors += 1
            }
        }
        #expect(outcomes.frames > 0 && outcomes.incomplete > 0 && outcomes.errors > 0, "\(outcomes)")
    }
}
