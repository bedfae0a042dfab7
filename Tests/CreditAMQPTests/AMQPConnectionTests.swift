import CreditTestSupport
import Foundation
import Glibc
import NIOCore
import Testing

@testable import CreditAMQP

private func configuration(_ broker: ThrowawayRabbitMQ, password: String? = nil) throws -> AMQPConfiguration {
    var configuration = try AMQPConfiguration(url: broker.url, password: password)
    configuration.heartbeatSeconds = 2
    return configuration
}

private func text(_ delivery: AMQPDelivery) -> String { String(buffer: delivery.body) }

@Suite("AMQP client against a real RabbitMQ on loopback: handshake, confirms, consume and ack, dead letters, broker faults", .serialized, .timeLimit(.minutes(3)))
struct AMQPConnectionTests {
    @Test("declare, publish with confirms, consume in order with properties and headers, ack; a body larger than a frame")
    func publishAndConsume() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let connection = try await AMQPConnection.connect(try configuration(broker))
        let channel = try await connection.openChannel()
        try await channel.declareQueue("loan.applied")
        try await channel.enableConfirms()
        try await channel.setPrefetch(16)
        let big = String(repeating: "x", count: 300_000)
        let bodies = (1...20).map { "{\"event_id\":\"evt-\($0)\"}" } + [big]
        for (index, body) in bodies.enumerated() {
            let properties = AMQPProperties(contentType: "application/json", headers: ["x-attempt": .int32(1)], deliveryMode: 2, messageId: "m\(index)")
            try await channel.publish(ByteBuffer(string: body), exchange: "", routingKey: "loan.applied", properties: properties)
        }
        #expect(try await channel.declareQueue("loan.applied", passive: true).messages == UInt32(bodies.count))
        let consumer = try await connection.openChannel()
        try await consumer.setPrefetch(4)
        var deliveries = try await consumer.consume(queue: "loan.applied", consumerTag: "test").makeAsyncIterator()
        var received: [String] = []
        for index in bodies.indices {
            let delivery = try #require(try await deliveries.next())
            received.append(text(delivery))
            #expect(delivery.properties.messageId == "m\(index)")
            #expect(delivery.properties.headers?["x-attempt"]?.integer == 1)
            #expect(delivery.properties.contentType == "application/json")
            #expect(!delivery.redelivered)
            try await consumer.ack(delivery.deliveryTag)
        }
        #expect(received == bodies)
        try await consumer.close()
        #expect(try await channel.declareQueue("loan.applied", passive: true).messages == 0)
        await connection.close()
        #expect(try await connection.closeFuture.get() == nil)
    }

    @Test("wrong password: refused with the broker's reason, promptly; no password in the description")
    func wrongPassword() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let configuration = try configuration(broker, password: "not-the-password")
        #expect(!configuration.description.contains("not-the-password"))
        let error = await #expect(throws: AMQPError.self) { _ = try await AMQPConnection.connect(configuration) }
        #expect(error?.description.contains("ACCESS_REFUSED") == true, "\(String(describing: error))")
    }

    @Test("a channel the broker closes fails its call with the reason; the connection and other channels go on")
    func channelErrors() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let connection = try await AMQPConnection.connect(try configuration(broker))
        let channel = try await connection.openChannel()
        let error = await #expect(throws: AMQPError.self) { try await channel.declareQueue("missing", passive: true) }
        #expect(error?.description.contains("404 NOT_FOUND") == true, "\(String(describing: error))")
        // Calls on the closed channel fail at once rather than wait.
        await #expect(throws: AMQPError.self) { try await channel.setPrefetch(1) }
        let other = try await connection.openChannel()
        try await other.declareQueue("present")
        #expect(await connection.isOpen)
        // A mandatory message no queue is bound for comes back as unroutable.
        try await other.enableConfirms()
        await #expect(throws: AMQPError.unroutable("312 NO_ROUTE")) {
            try await other.publish(ByteBuffer(string: "{}"), exchange: "", routingKey: "nowhere", mandatory: true)
        }
        await connection.close()
    }

    @Test("a rejected message goes to the dead-letter queue with its headers; basic.get reads it from there")
    func deadLetters() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let connection = try await AMQPConnection.connect(try configuration(broker))
        let channel = try await connection.openChannel()
        try await channel.declareExchange("credit.dlx", type: "direct")
        try await channel.declareQueue("loan.applied.dlq")
        try await channel.bindQueue("loan.applied.dlq", exchange: "credit.dlx", routingKey: "loan.applied")
        try await channel.declareQueue("loan.applied", arguments: ["x-dead-letter-exchange": .text("credit.dlx")])
        try await channel.enableConfirms()
        try await channel.publish(ByteBuffer(string: "not json"), exchange: "", routingKey: "loan.applied",
                                  properties: AMQPProperties(headers: ["x-reject-reason": .text("body is not JSON")], deliveryMode: 2))
        var deliveries = try await channel.consume(queue: "loan.applied", consumerTag: "c").makeAsyncIterator()
        let delivery = try #require(try await deliveries.next())
        try await channel.reject(delivery.deliveryTag, requeue: false)
        var dead: AMQPDelivery?
        for _ in 0..<50 where dead == nil {
            dead = try await channel.get(queue: "loan.applied.dlq")
            if dead == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let found = try #require(dead)
        #expect(text(found) == "not json")
        #expect(found.properties.headers?["x-reject-reason"]?.text == "body is not JSON")
        guard case .array(let deaths)? = found.properties.headers?["x-death"], case .table(let death)? = deaths.first else {
            Issue.record("no x-death header")
            return
        }
        #expect(death["reason"]?.text == "rejected")
        #expect(death["queue"]?.text == "loan.applied")
        try await channel.ack(found.deliveryTag)
        #expect(try await channel.get(queue: "loan.applied.dlq") == nil)
        await connection.close()
    }

    @Test("the broker killed: the consumer's stream ends with an error and the connection reports it; after a restart the unacknowledged message is delivered again")
    func brokerKilled() async throws {
        let broker = try await ThrowawayRabbitMQ()
        let connection = try await AMQPConnection.connect(try configuration(broker))
        let channel = try await connection.openChannel()
        try await channel.declareQueue("loan.applied")
        try await channel.enableConfirms()
        try await channel.publish(ByteBuffer(string: "evt-1"), exchange: "", routingKey: "loan.applied", properties: AMQPProperties(deliveryMode: 2))
        var deliveries = try await channel.consume(queue: "loan.applied", consumerTag: "c").makeAsyncIterator()
        #expect(text(try #require(try await deliveries.next())) == "evt-1")
        broker.stop(immediately: true)
        await #expect(throws: (any Error).self) { _ = try await deliveries.next() }
        #expect(try await connection.closeFuture.get() != nil)
        #expect(await !connection.isOpen)
        await #expect(throws: AMQPError.self) { _ = try await connection.openChannel() }
        try await broker.start()
        let again = try await AMQPConnection.connect(try configuration(broker))
        let fresh = try await again.openChannel()
        var redelivered = try await fresh.consume(queue: "loan.applied", consumerTag: "c2").makeAsyncIterator()
        let delivery = try #require(try await redelivered.next())
        #expect(text(delivery) == "evt-1")
        try await fresh.ack(delivery.deliveryTag)
        await again.close()
    }

    @Test("a peer that is not a broker: silence ends in the handshake timeout, garbage in a protocol error, both promptly")
    func misbehavingPeers() async throws {
        for behaviour in [FakePeer.Behaviour.silent, .garbage, .hugeFrame] {
            let peer = try FakePeer(behaviour)
            var configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:\(peer.port)/")
            configuration.connectTimeoutSeconds = 1
            let started = ContinuousClock.now
            let error = await #expect(throws: AMQPError.self) { _ = try await AMQPConnection.connect(configuration) }
            #expect(ContinuousClock.now - started < .seconds(3), "\(behaviour)")
            switch behaviour {
            case .silent: #expect(error?.description.contains("no handshake within 1 s") == true, "\(String(describing: error))")
            case .garbage: #expect(error?.description.contains("frame") == true, "\(String(describing: error))")
            case .hugeFrame: #expect(error?.description.contains("over the negotiated limit") == true, "\(String(describing: error))")
            }
        }
        // Nothing listens: refused at once.
        let closedPort = try ThrowawayPostgres.freePort()
        await #expect(throws: AMQPError.self) { _ = try await AMQPConnection.connect(try AMQPConfiguration(url: "amqp://guest@127.0.0.1:\(closedPort)/")) }
    }

    @Test("broker URLs: parts decoded, the default virtual host, bad parts named without their values")
    func urls() throws {
        let configuration = try AMQPConfiguration(url: "amqp://credit%40svc:p%40ss@mq.internal:5673/credit%2Fprod")
        #expect(configuration.user == "credit@svc")
        #expect(configuration.password == "p@ss")
        #expect(configuration.port == 5673)
        #expect(configuration.virtualHost == "credit/prod")
        #expect(!configuration.description.contains("p@ss"))
        #expect(try AMQPConfiguration(url: "amqp://u@h").virtualHost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u@h/%2F").virtualHost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u@h", password: "from-file").password == "from-file")
        for bad in ["amqps://u@h/", "http://u@h/", "amqp://h/", "amqp://u@:1/", "amqp://u@h:0/", "amqp://u@h:99999/", "amqp://u@h:port/", "amqp://%zz@h/"] {
            #expect(throws: AMQPError.self, "\(bad)") { _ = try AMQPConfiguration(url: bad) }
        }
    }
}

/// A TCP peer on loopback that is not a broker: it reads the protocol header, then stays silent,
/// sends garbage, or announces a frame far over the limit.
final class FakePeer: @unchecked Sendable {
    enum Behaviour { case silent, garbage, hugeFrame }
    let port: Int
    private let listener: Int32
    private let thread: Thread

    init(_ behaviour: Behaviour) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard listening else {
            close(descriptor)
            throw AMQPError.connectionFailed("the fake peer cannot listen")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        thread = Thread {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return }
            var header = [UInt8](repeating: 0, count: 8)
            _ = read(connection, &header, 8)
            switch behaviour {
            case .silent: break
            case .garbage: _ = write(connection, Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8), 28)
            case .hugeFrame: _ = write(connection, [UInt8]([1, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF]), 7)
            }
            sleep(5)
            close(connection)
        }
        thread.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
