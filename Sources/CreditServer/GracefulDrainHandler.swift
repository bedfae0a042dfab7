import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Graceful shutdown of one connection with nothing dropped.
///
/// Hummingbird's own handling of the shutdown event closes an idle keep-alive connection at
/// once, and a busy one right after its response. A client that has just sent its next request
/// on that connection then sees a reset: a request the server read and never answered. This
/// handler takes the shutdown event instead (it sits before Hummingbird's connection-state
/// handler), and:
/// - answers the request in progress, and at most one more that arrives within `drainWindow`,
///   with `Connection: close`, so the client knows not to send another on this connection (a
///   response whose head was already sent without it is followed by one more such window);
/// - then closes only its sending side and reads on, discarding, until the client closes (or
///   `lingerLimit` passes): closing with unread bytes would make the kernel send a reset that
///   can destroy the response in flight (RFC 9112 §9.6, "tear-down");
/// - closes an idle connection on which nothing arrives within `drainWindow`.
///
/// The listening socket is closed by then, so a client's next connection is refused, which it
/// can tell from a dropped request and retry elsewhere.
final class GracefulDrainHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let drainWindow: TimeAmount
    private let lingerLimit: TimeAmount
    /// A request has been read (its head) whose response has not ended.
    private var requestOpen = false
    private var draining = false
    /// The last response (with `Connection: close`) is written: everything read now is dropped.
    private var closing = false
    /// The response being written told the client `Connection: close`. One whose head went out
    /// just before the shutdown began did not: the client may send another request, which is
    /// then waited for and answered, never met with a closed connection.
    private var announcedClose = false
    private var timer: Scheduled<Void>?

    init(drainWindow: TimeAmount, lingerLimit: TimeAmount = .seconds(2)) {
        self.drainWindow = drainWindow
        self.lingerLimit = lingerLimit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        if case .head = unwrapInboundIn(data) {
            requestOpen = true
            if draining { cancelTimer() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where draining && head.status.kind != .informational:
            head.headerFields[.connection] = "close"
            announcedClose = true
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where draining && announcedClose:
            requestOpen = false
            closing = true
            context.write(data, promise: promise)
            tearDown(context: context)
        case .end where draining:
            // Its head went out before the shutdown began: wait for the client's next request.
            requestOpen = false
            context.write(data, promise: promise)
            schedule(drainWindow, context: context)
        case .end:
            requestOpen = false
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !draining else { return }
        draining = true
        // An idle connection gets one window for a request already on its way.
        if !requestOpen { schedule(drainWindow, context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    /// After the last response: flush it, close the sending side, and close fully when the client
    /// has closed its side (NIO does so on end of input) or after `lingerLimit`.
    private func tearDown(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.flush()
        context.close(mode: .output, promise: nil)
        cancelTimer()
        timer = context.eventLoop.scheduleTask(in: lingerLimit) { loopBound.value.close(promise: nil) }
    }

    private func schedule(_ delay: TimeAmount, context: ChannelHandlerContext) {
        cancelTimer()
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            // Still idle: nothing came within the window.
            if !loopBound.value.handler.requestOpen { loopBound.value.context.close(promise: nil) }
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
