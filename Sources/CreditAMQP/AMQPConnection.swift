public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// The handler a channel initializer made, with its handshake and close futures.
private final class MadeHandler: Sendable {
    let value = Mutex<(EventLoopFuture<Void>, EventLoopFuture<AMQPError?>, NIOLoopBound<AMQPClientHandler>)?>(nil)
}

/// One connection to an AMQP 0-9-1 broker (RabbitMQ), opened with PLAIN authentication and
/// kept alive by heartbeats. Channels are opened on it with ``openChannel()``.
public final class AMQPConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<AMQPClientHandler>
    /// Completes when the connection ends, with the reason (nil after ``close()``).
    public let closeFuture: EventLoopFuture<AMQPError?>

    private init(channel: any Channel, handler: NIOLoopBound<AMQPClientHandler>, closeFuture: EventLoopFuture<AMQPError?>) {
        (self.channel, self.handler, self.closeFuture) = (channel, handler, closeFuture)
    }

    /// Connects and completes the handshake within the configured time.
    /// - Throws: ``AMQPError/connectionFailed(_:)`` with the cause (refused, timed out, access
    ///   refused by the broker, no PLAIN mechanism).
    public static func connect(
        _ configuration: AMQPConfiguration, logger: Logger = Logger(label: "creditengine.amqp"),
        group: (any EventLoopGroup)? = nil
    ) async throws(AMQPError) -> AMQPConnection {
        let timeout = TimeAmount.seconds(Int64(configuration.connectTimeoutSeconds))
        // The handler is made, and the handshake's deadline armed, when the channel is set up:
        // a broker can refuse the handshake before `connect` returns.
        let made = MadeHandler()
        let bootstrap = ClientBootstrap(group: group ?? MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = AMQPClientHandler(configuration: configuration, logger: logger, eventLoop: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(AMQPFrameDecoder(maximumSize: configuration.frameMax)), handler,
                    ])
                    let handshake = handler.handshake
                    let deadline = channel.eventLoop.scheduleTask(in: timeout) {
                        handshake.fail(AMQPError.connectionFailed("no handshake within \(configuration.connectTimeoutSeconds) s"))
                        channel.close(promise: nil)
                    }
                    handshake.futureResult.whenComplete { _ in deadline.cancel() }
                    made.value.withLock { $0 = (handshake.futureResult, handler.closed.futureResult, NIOLoopBound(handler, eventLoop: channel.eventLoop)) }
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw .connectionFailed("\(configuration.host):\(configuration.port) cannot be reached (\(type(of: error)))")
        }
        guard let (handshake, closed, handler) = made.value.withLock({ $0 }) else {
            channel.close(promise: nil)
            throw .connectionFailed("the connection was not set up")
        }
        do {
            try await handshake.get()
        } catch {
            channel.close(promise: nil)
            throw (error as? AMQPError) ?? .connectionFailed("\(type(of: error))")
        }
        return AMQPConnection(channel: channel, handler: handler, closeFuture: closed)
    }

    /// Opens a channel.
    public func openChannel() async throws(AMQPError) -> AMQPChannel {
        let id = try await onLoop { $0.openChannel() }
        return AMQPChannel(connection: self, id: id)
    }

    /// Whether the handshake is done and the connection not closing or lost.
    public var isOpen: Bool {
        get async { (try? await channel.eventLoop.submit { self.handler.value.isOpen }.get()) ?? false }
    }

    /// Closes the connection cleanly: `connection.close`, its reply, then the socket.
    public func close() async {
        _ = try? await onLoop { $0.close() }
    }

    /// Runs `body` on the connection's event loop with its handler, and waits for its future.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (AMQPClientHandler) -> EventLoopFuture<T>) async throws(AMQPError) -> T {
        do {
            return try await channel.eventLoop.flatSubmit { body(self.handler.value) }.get()
        } catch let error as AMQPError {
            throw error
        } catch {
            throw .connectionClosed(nil)
        }
    }
}
