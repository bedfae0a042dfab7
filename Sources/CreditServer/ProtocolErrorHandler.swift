import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP/1 parser refuses (conflicting `Content-Length` and
/// `Transfer-Encoding`, headers too large, a malformed request line) with a
/// `application/problem+json` 400 like every other refusal of the service, then closes the
/// connection. Hummingbird's own answer to a parser error is a bare 400 without a body.
///
/// It sits after Hummingbird's HTTP/1 codec. An error in the middle of a response (the parser
/// failing on a pipelined request while the previous one is answered) is passed on, since a
/// second response cannot be interleaved; the connection closes then as before.
final class ProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var responseOpen = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !responseOpen else {
            context.fireErrorCaught(error)
            return
        }
        let body = RequestLogMiddleware.problemJSON(
            APIProblem(status: 400, slug: "bad-request", title: "Malformed HTTP request", detail: Self.detail(parserError)),
            requestId: UUID().uuidString.lowercased())
        let head = HTTPResponse(
            status: .badRequest,
            headerFields: [.contentType: "application/problem+json", .contentLength: String(body.count), .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] _ in
            context.value.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational: responseOpen = true
        case .end: responseOpen = false
        default: break
        }
        context.write(data, promise: promise)
    }

    /// What was wrong, in words (never the bytes sent).
    private static func detail(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "the request head is larger than the server accepts"
        case .unexpectedContentLength, .invalidContentLength, .invalidChunkSize:
            "the request's Content-Length and Transfer-Encoding conflict or are invalid"
        case .invalidMethod, .invalidURL, .invalidVersion: "the request line is malformed"
        case .invalidHeaderToken, .invalidConstant: "a header is malformed"
        default: "the request is not valid HTTP/1.1"
        }
    }
}
