import Logging
import NIOCore

/// The client side of one AMQP 0-9-1 connection, confined to its event loop: the handshake
/// (PLAIN authentication, tuning), heartbeats, synchronous methods per channel in order,
/// deliveries assembled from their frames, and publisher confirms.
///
/// Written by hand: no maintained AMQP 0-9-1 client for Swift is in the package set this project
/// builds from, and the consumer needs only a small part of the protocol. The frame codec
/// (``AMQPFrame``) is apart from this state and tested on its own.
final class AMQPClientHandler: ChannelInboundHandler {
    typealias InboundIn = AMQPFrame
    typealias OutboundOut = ByteBuffer

    /// A synchronous method awaiting its reply.
    private struct PendingCall {
        let accepts: (AMQPMethod) -> Bool
        let promise: EventLoopPromise<Reply>
    }

    /// A reply: the method, and the delivery for `basic.get-ok`.
    struct Reply: Sendable {
        var method: AMQPMethod
        var delivery: AMQPDelivery?
    }

    private final class ChannelState {
        var calls: [PendingCall] = []
        var consumers: [String: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation] = [:]
        var incoming: IncomingContent?
        var confirming = false
        var nextPublishTag: UInt64 = 1
        /// Publishes not yet confirmed, by tag, in order.
        var unconfirmed: [(tag: UInt64, promise: EventLoopPromise<Void>)] = []
        /// The reason of a `basic.return` whose confirm has not come yet.
        var returned: String?
    }

    private enum Phase { case handshaking, open, closing, closed }

    let configuration: AMQPConfiguration
    let logger: Logger
    let handshake: EventLoopPromise<Void>
    /// Succeeded when the connection ends, with the reason (nil for a close this client asked for).
    let closed: EventLoopPromise<AMQPError?>
    private var context: ChannelHandlerContext?
    private var phase = Phase.handshaking
    private var endReason: AMQPError?
    private(set) var frameMax: UInt32
    private var channelMax: UInt16 = 2047
    private var channels: [UInt16: ChannelState] = [:]
    /// Why each channel closed, until its number is opened again.
    private var closedChannels: [UInt16: AMQPCloseReason] = [:]
    private var lastReceived = NIODeadline.now()
    private var heartbeats: RepeatedTask?
    private var closeOk: EventLoopPromise<Void>?

    init(configuration: AMQPConfiguration, logger: Logger, eventLoop: any EventLoop) {
        (self.configuration, self.logger) = (configuration, logger)
        frameMax = configuration.frameMax
        handshake = eventLoop.makePromise()
        closed = eventLoop.makePromise()
    }

    var isOpen: Bool { phase == .open }

    // MARK: - Events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        var header = context.channel.allocator.buffer(capacity: 8)
        header.writeBytes(AMQPFrame.protocolHeader)
        context.writeAndFlush(wrapOutboundOut(header), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = endReason ?? (phase == .closing ? nil : .connectionClosed(nil))
        if phase == .handshaking {
            switch endReason {
            case .connectionFailed(let why)?: handshake.fail(AMQPError.connectionFailed(why))
            case let other?: handshake.fail(AMQPError.connectionFailed(other.description))
            case nil: handshake.fail(AMQPError.connectionFailed("the broker closed the connection during the handshake (wrong credentials or virtual host?)"))
            }
        }
        phase = .closed
        heartbeats?.cancel()
        for id in Array(channels.keys) { failChannel(id, with: reason ?? .connectionClosed(nil)) }
        closeOk?.succeed()
        closed.succeed(reason)
        self.context = nil
        context.fireChannelInactive()
    }

    /// The pipeline is torn down, also for a channel that never became active (the connection
    /// refused): every future still waiting completes.
    func handlerRemoved(context: ChannelHandlerContext) {
        handshake.fail(AMQPError.connectionFailed(endReason?.description ?? "the connection closed before the handshake"))
        closed.succeed(endReason ?? .connectionClosed(nil))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? AMQPCodecError).map { AMQPError.protocolViolation($0.description) } ?? .connectionFailed("\(type(of: error))")
        logger.error("AMQP connection failed", metadata: ["reason": "\(reason)"])
        endReason = endReason ?? reason
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastReceived = .now()
        switch unwrapInboundIn(data) {
        case .heartbeat: return
        case .method(0, let method): connectionMethod(method)
        case .method(let channel, let method): channelMethod(method, on: channel)
        case .header(let channel, let size, let properties):
            guard let state = channels[channel], var content = state.incoming, content.expectedSize == nil else {
                return violation("a content header on channel \(channel) without its method")
            }
            content.expectedSize = size
            content.properties = properties
            state.incoming = content
            if content.isComplete { contentComplete(on: channel) }
        case .body(let channel, var bytes):
            guard let state = channels[channel], var content = state.incoming, let expected = content.expectedSize else {
                return violation("a content body on channel \(channel) without its header")
            }
            guard UInt64(content.body.readableBytes + bytes.readableBytes) <= expected else {
                return violation("a content body on channel \(channel) longer than its header says")
            }
            content.body.writeBuffer(&bytes)
            state.incoming = content
            if content.isComplete { contentComplete(on: channel) }
        }
    }

    // MARK: - Connection

    private func connectionMethod(_ method: AMQPMethod) {
        switch (phase, method) {
        case let (.handshaking, .connectionStart(major, minor, _, mechanisms, _)):
            guard (major, minor) == (0, 9) else { return refuseHandshake("the broker speaks AMQP \(major)-\(minor), not 0-9-1") }
            guard mechanisms.split(separator: " ").contains("PLAIN") else { return refuseHandshake("the broker does not offer PLAIN authentication") }
            let response = [0] + Array(configuration.user.utf8) + [0] + Array(configuration.password.utf8)
            let capabilities: AMQPTable = [
                "publisher_confirms": .bool(true), "basic.nack": .bool(true), "consumer_cancel_notify": .bool(true),
                "connection.blocked": .bool(true), "authentication_failure_close": .bool(true),
            ]
            let properties: AMQPTable = ["product": .text("CreditEngine"), "capabilities": .table(capabilities)]
            sendReply([.method(channel: 0, .connectionStartOk(clientProperties: properties, mechanism: "PLAIN", response: response, locale: "en_US"))])
        case let (.handshaking, .connectionTune(serverChannels, serverFrame, serverHeartbeat)):
            channelMax = serverChannels == 0 ? 2047 : min(serverChannels, 2047)
            frameMax = serverFrame == 0 ? configuration.frameMax : min(serverFrame, configuration.frameMax)
            let wanted = configuration.heartbeatSeconds
            let heartbeat = serverHeartbeat == 0 || wanted == 0 ? max(serverHeartbeat, wanted) : min(serverHeartbeat, wanted)
            sendReply([
                .method(channel: 0, .connectionTuneOk(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)),
                .method(channel: 0, .connectionOpen(virtualHost: configuration.virtualHost)),
            ])
            startHeartbeats(every: heartbeat)
        case (.handshaking, .connectionOpenOk):
            phase = .open
            handshake.succeed()
        case (_, .connectionClose(let reason)):
            endReason = phase == .handshaking ? .connectionFailed(reason.description) : .connectionClosed(reason)
            logger.warning("the broker closed the connection", metadata: ["reason": "\(reason)"])
            sendReply([.method(channel: 0, .connectionCloseOk)])
            context?.close(promise: nil)
        case (.closing, .connectionCloseOk):
            context?.close(promise: nil)
        case (.open, .connectionBlocked(let reason)):
            // A resource alarm: publishes wait in TCP back-pressure until the broker unblocks.
            logger.warning("the broker blocked publishing", metadata: ["reason": "\(reason)"])
        case (.open, .connectionUnblocked):
            logger.info("the broker unblocked publishing")
        default:
            violation("connection method \(method) out of turn")
        }
    }

    private func refuseHandshake(_ why: String) {
        endReason = .connectionFailed(why)
        context?.close(promise: nil)
    }

    private func violation(_ what: String) {
        guard phase != .closed else { return }
        logger.error("AMQP protocol violation", metadata: ["what": "\(what)"])
        endReason = endReason ?? .protocolViolation(what)
        phase = .closing
        try? send([.method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: 505, replyText: "UNEXPECTED_FRAME")))])
        context?.close(promise: nil)
    }

    private func startHeartbeats(every seconds: UInt16) {
        guard seconds > 0, let context else { return }
        let interval = TimeAmount.milliseconds(Int64(seconds) * 500)
        let silence = TimeAmount.seconds(Int64(seconds) * 2)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        heartbeats = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let handler = bound.value
            guard handler.phase != .closed else { return }
            if NIODeadline.now() - handler.lastReceived > silence {
                handler.logger.error("the broker missed its heartbeats")
                handler.endReason = handler.endReason ?? .connectionClosed(AMQPCloseReason(replyCode: 0, replyText: "no frame from the broker for \(seconds * 2) s"))
                handler.context?.close(promise: nil)
            } else {
                handler.sendReply([.heartbeat])
            }
        }
    }

    /// Closes the connection cleanly (`connection.close`, its reply, then the socket).
    func close() -> EventLoopFuture<Void> {
        guard let context, phase == .open else { return closed.futureResult.map { _ in } }
        phase = .closing
        let promise = context.eventLoop.makePromise(of: Void.self)
        closeOk = promise
        sendReply([.method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: 200, replyText: "goodbye")))])
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(5)) { bound.value.context?.close(promise: nil) }
        return closed.futureResult.map { _ in }
    }

    // MARK: - Channels

    /// Opens a channel on the lowest free number.
    func openChannel() -> EventLoopFuture<UInt16> {
        guard let context, phase == .open else { return closedFuture() }
        guard let id = (1...channelMax).first(where: { channels[$0] == nil }) else {
            return context.eventLoop.makeFailedFuture(AMQPError.invalidArgument("every one of the \(channelMax) channels is open"))
        }
        channels[id] = ChannelState()
        closedChannels[id] = nil
        return call(.channelOpen, on: id) { $0 == .channelOpenOk }.assumeIsolated().flatMapErrorThrowing { error in
            self.channels[id] = nil
            throw error
        }.map { _ in id }.nonisolated()
    }

    /// Sends a synchronous method and waits for the reply `accepts` recognises.
    func call(_ method: AMQPMethod, on channel: UInt16, accepts: @escaping (AMQPMethod) -> Bool) -> EventLoopFuture<Reply> {
        guard let context, phase == .open, let state = channels[channel] else { return closedFuture(channel: channel) }
        let promise = context.eventLoop.makePromise(of: Reply.self)
        do {
            try send([.method(channel: channel, method)])
        } catch {
            return context.eventLoop.makeFailedFuture(AMQPError.invalidArgument(error.description))
        }
        state.calls.append(PendingCall(accepts: accepts, promise: promise))
        return promise.futureResult
    }

    /// Sends a method that has no reply (acks, a publish without confirms).
    func cast(_ method: AMQPMethod, on channel: UInt16) -> EventLoopFuture<Void> {
        guard let context, phase == .open, channels[channel] != nil else { return closedFuture(channel: channel) }
        do {
            try send([.method(channel: channel, method)])
        } catch {
            return context.eventLoop.makeFailedFuture(AMQPError.invalidArgument(error.description))
        }
        return context.eventLoop.makeSucceededVoidFuture()
    }

    /// Puts the channel in confirm mode.
    func enableConfirms(on channel: UInt16) -> EventLoopFuture<Void> {
        call(.confirmSelect(noWait: false), on: channel) { $0 == .confirmSelectOk }.assumeIsolated().map { _ in
            self.channels[channel]?.confirming = true
        }.nonisolated()
    }

    /// Publishes a message: method, header and body frames in one write. In confirm mode the
    /// future completes when the broker confirms it (or fails when it refuses or returns it).
    func publish(_ body: ByteBuffer, exchange: String, routingKey: String, properties: AMQPProperties, mandatory: Bool, on channel: UInt16) -> EventLoopFuture<Void> {
        guard let context, phase == .open, let state = channels[channel] else { return closedFuture(channel: channel) }
        var frames: [AMQPFrame] = [
            .method(channel: channel, .basicPublish(exchange: exchange, routingKey: routingKey, mandatory: mandatory, immediate: false)),
            .header(channel: channel, bodySize: UInt64(body.readableBytes), properties: properties),
        ]
        var rest = body
        let chunk = Int(frameMax) - 8
        while rest.readableBytes > 0 { frames.append(.body(channel: channel, rest.readSlice(length: min(chunk, rest.readableBytes))!)) }
        do {
            try send(frames)
        } catch {
            return context.eventLoop.makeFailedFuture(AMQPError.invalidArgument(error.description))
        }
        guard state.confirming else { return context.eventLoop.makeSucceededVoidFuture() }
        let promise = context.eventLoop.makePromise(of: Void.self)
        state.unconfirmed.append((state.nextPublishTag, promise))
        state.nextPublishTag += 1
        return promise.futureResult
    }

    /// Registers a consumer's stream before `basic.consume` is sent, so no delivery is missed.
    func consume(queue: String, tag: String, arguments: AMQPTable, on channel: UInt16, into continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation) -> EventLoopFuture<Void> {
        guard let state = channels[channel] else { return closedFuture(channel: channel) }
        state.consumers[tag] = continuation
        return call(
            .basicConsume(queue: queue, consumerTag: tag, noLocal: false, noAck: false, exclusive: false, noWait: false, arguments: arguments), on: channel
        ) { if case .basicConsumeOk(tag) = $0 { true } else { false } }.map { _ in }
    }

    /// Stops a consumer: the broker sends no more deliveries, and its stream ends once the broker
    /// confirms (deliveries already sent arrive before that, and can still be acknowledged).
    func cancelConsumer(_ tag: String, on channel: UInt16) -> EventLoopFuture<Void> {
        call(.basicCancel(consumerTag: tag, noWait: false), on: channel) { if case .basicCancelOk(tag) = $0 { true } else { false } }
            .assumeIsolated().map { _ in self.channels[channel]?.consumers.removeValue(forKey: tag)?.finish() }.nonisolated()
    }

    /// Closes a channel cleanly.
    func closeChannel(_ channel: UInt16) -> EventLoopFuture<Void> {
        guard phase == .open, channels[channel] != nil else { return closed.futureResult.eventLoop.makeSucceededVoidFuture() }
        return call(.channelClose(AMQPCloseReason(replyCode: 200, replyText: "goodbye")), on: channel) { $0 == .channelCloseOk }
            .assumeIsolated().map { _ in self.failChannel(channel, with: .connectionClosed(nil)) }.nonisolated()
    }

    private func channelMethod(_ method: AMQPMethod, on channel: UInt16) {
        guard let state = channels[channel] else { return violation("method \(method) on channel \(channel), which is not open") }
        if method.carriesContent {
            guard state.incoming == nil else { return violation("a method on channel \(channel) before the last content ended") }
            state.incoming = IncomingContent(method)
            return
        }
        switch method {
        case .channelClose(let reason):
            logger.warning("the broker closed a channel", metadata: ["channel": "\(channel)", "reason": "\(reason)"])
            sendReply([.method(channel: channel, .channelCloseOk)])
            failChannel(channel, with: .channelClosed(reason))
        case .channelFlow(let active):
            sendReply([.method(channel: channel, .channelFlowOk(active: active))])
        case let .basicAck(tag, multiple): confirm(tag, multiple: multiple, refused: false, on: state)
        case let .basicNack(tag, multiple, _): confirm(tag, multiple: multiple, refused: true, on: state)
        case .basicCancel(let tag, _):
            // The broker cancelled the consumer (its queue was deleted): the stream ends with that.
            state.consumers.removeValue(forKey: tag)?.finish(throwing: AMQPError.channelClosed(AMQPCloseReason(replyCode: 0, replyText: "consumer cancelled by the broker")))
        default:
            guard let first = state.calls.first, first.accepts(method) else { return violation("method \(method) on channel \(channel) out of turn") }
            state.calls.removeFirst()
            first.promise.succeed(Reply(method: method))
        }
    }

    private func contentComplete(on channel: UInt16) {
        guard let state = channels[channel], let content = state.incoming, let delivery = content.delivery() else { return }
        state.incoming = nil
        switch content.method {
        case .basicDeliver(let tag, _, _, _, _):
            guard let consumer = state.consumers[tag] else { return violation("a delivery for consumer \(tag), which does not exist") }
            consumer.yield(delivery)
        case .basicGetOk:
            guard let first = state.calls.first, first.accepts(content.method) else { return violation("basic.get-ok out of turn") }
            state.calls.removeFirst()
            first.promise.succeed(Reply(method: content.method, delivery: delivery))
        case .basicReturn(let code, let text, _, _):
            state.returned = "\(code) \(text)"
        default: break
        }
    }

    /// Settles the publishes a `basic.ack` or `basic.nack` names: one tag, or every tag up to it.
    private func confirm(_ tag: UInt64, multiple: Bool, refused: Bool, on state: ChannelState) {
        var settled: [EventLoopPromise<Void>] = []
        if multiple {
            let count = state.unconfirmed.prefix { $0.tag <= tag }.count
            settled = state.unconfirmed.prefix(count).map(\.promise)
            state.unconfirmed.removeFirst(count)
        } else if let index = state.unconfirmed.firstIndex(where: { $0.tag == tag }) {
            settled = [state.unconfirmed.remove(at: index).promise]
        }
        for promise in settled {
            if refused {
                promise.fail(AMQPError.publishRefused)
            } else if let returned = state.returned {
                // The broker returns an unroutable message before it confirms it.
                state.returned = nil
                promise.fail(AMQPError.unroutable(returned))
            } else {
                promise.succeed()
            }
        }
    }

    private func failChannel(_ channel: UInt16, with error: AMQPError) {
        guard let state = channels.removeValue(forKey: channel) else { return }
        closedChannels[channel] = if case .channelClosed(let reason) = error { reason } else { AMQPCloseReason(replyCode: 200, replyText: "closed by this client") }
        for call in state.calls { call.promise.fail(error) }
        for (_, consumer) in state.consumers { consumer.finish(throwing: error) }
        for (_, promise) in state.unconfirmed { promise.fail(error) }
    }

    /// The failure of an operation on a connection, or a channel, that is not open.
    private func closedFuture<T: Sendable>(channel: UInt16? = nil) -> EventLoopFuture<T> {
        let loop = closed.futureResult.eventLoop
        if phase == .open, let channel, let reason = closedChannels[channel] { return loop.makeFailedFuture(AMQPError.channelClosed(reason)) }
        return loop.makeFailedFuture(endReason ?? AMQPError.connectionClosed(nil))
    }

    /// Encodes `frames` into one buffer and writes it; nothing is sent when one of them cannot
    /// be encoded (an argument too long for its field).
    private func send(_ frames: [AMQPFrame]) throws(AMQPCodecError) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        for frame in frames { try frame.write(to: &buffer) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Sends frames this client builds from values it has checked, or a reply to the broker.
    private func sendReply(_ frames: [AMQPFrame]) {
        do { try send(frames) } catch { violation("a reply could not be encoded: \(error)") }
    }
}
