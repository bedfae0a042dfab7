import CreditServer
import CreditTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus

/// The service's router run in-process through HummingbirdTesting (no socket, no process), with
/// the same configuration, store and keys as ``ServerProcess``: for tests of what the service
/// answers. Tests of connections, signals and the binary itself use ``ServerProcess``.
struct InProcessServer: Sendable {
    let client: any TestClientProtocol

    /// Builds the application of the test configuration in a new directory and runs `body`
    /// against its router.
    static func run(overrides: [String: Any] = [:], _ body: @Sendable (InProcessServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let path = try ServerProcess.writeConfiguration(in: directory, overrides: overrides)
        let configuration = try ServerConfiguration.load(path: path)
        let app = try await ScoreServer.buildApplication(
            configuration: configuration, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await app.test(.router) { client in try await body(InProcessServer(client: client)) }
        withExtendedLifetime(directory) {}  // the store lives in it until the router is done
    }

    /// One request, as ``ServerProcess/request(_:_:body:key:headers:)`` sends it.
    func request(
        _ method: String, _ path: String, body: Data? = nil, key: String? = ServerProcess.scorerKey,
        headers: [String: String] = ["Content-Type": "application/json"]
    ) async throws -> ServerProcess.Reply {
        var fields = HTTPFields()
        if let key { fields[HTTPField.Name("X-API-Key")!] = key }
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let response = try await client.executeRequest(
            uri: path, method: HTTPRequest.Method(method)!, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
        var replyHeaders: [String: String] = [:]
        for field in response.headers { replyHeaders[field.name.canonicalName] = field.value }
        return ServerProcess.Reply(status: Int(response.status.code), headers: replyHeaders, body: Data(response.body.readableBytesView))
    }
}
