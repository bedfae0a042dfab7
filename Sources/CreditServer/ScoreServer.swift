import CreditBatch
import CreditEngine
import CreditStore
import Foundation
import HTTPTypes
package import Hummingbird
import HummingbirdCore
public import Logging
import Metrics
import ServiceLifecycle
import UnixSignals
import Synchronization
public import Prometheus

/// The request context: Hummingbird's core plus the request id.
struct ServiceRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestId = ""
    /// The client's IP address (the peer of the connection), for limiting failed authentication.
    let clientAddress: String

    init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// The HTTP score service: a thin layer over ``ScoreService``, the store and the engine.
public enum ScoreServer {
    static let requestIDHeader = HTTPField.Name("X-Request-ID")!
    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!
    static let retryAfterHeader = HTTPField.Name("Retry-After")!

    /// The metrics factory the service bootstraps: Prometheus, with request-duration buckets fine
    /// enough below 10 ms for the p99 the alerts watch (the default buckets start at 5 ms).
    public static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        ].map { Duration.microseconds(Int64(($0 * 1e6).rounded())) }
        return factory
    }

    /// Loads the model, policy and store of `configuration` and serves until SIGTERM or SIGINT,
    /// finishing in-flight requests first. `onListening` receives the bound port.
    public static func run(
        configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        let app = try await buildApplication(configuration: configuration, registry: registry, logger: logger, onListening: onListening)
        try await app.runService()
        logger.info("stopped")
    }

    /// `credit consume`: consumes the configuration's queue until SIGTERM or SIGINT, then stops
    /// consuming, finishes and acknowledges the messages in hand, and closes. It also serves
    /// `/health/live`, `/health/ready` (503 while the broker or the store is unavailable) and
    /// `/metrics` on the configured address; `onListening` receives the bound port and
    /// `onConsuming` is called each time the consumer is (again) consuming.
    public static func consume(
        configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void, onConsuming: @escaping @Sendable () -> Void
    ) async throws {
        let consumer = try await QueueConsumer.build(configuration: configuration, logger: logger, onConsuming: onConsuming)
        let router = Router(context: BasicRequestContext.self)
        router.get("health/live") { _, _ in json(["status": "live"]) }
        router.get("health/ready") { _, _ in
            guard consumer.isConsuming else { return json(["status": "broker unavailable"], status: .serviceUnavailable) }
            return await consumer.service.store.isReachable()
                ? json(["status": "ready"]) : json(["status": "store unavailable"], status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [consumer], onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) }, logger: logger)
        try await app.runService()
        logger.info("stopped")
    }

    /// `credit consume --replay-dlq`: moves the dead-letter queue's messages back to the queue;
    /// returns how many.
    public static func replayDeadLetters(configuration: ServerConfiguration, logger: Logger) async throws -> Int {
        guard let settings = configuration.queue else { throw ConfigurationProblem("the configuration has no queue section") }
        return try await QueueConsumer.replayDeadLetters(settings: settings, broker: try settings.amqpConfiguration(), logger: logger)
    }

    /// The service as a Hummingbird application, not yet running: the model, policy, store,
    /// access control, router and connection handlers of `configuration`. Tests run its router
    /// in-process (HummingbirdTesting) and the real binary over loopback.
    package static func buildApplication(
        configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let service = try await makeScoreService(configuration: configuration, logger: logger)
        let access = try await AccessControl(keys: configuration.apiKeys ?? [], jwt: configuration.jwt, failedAuthentication: configuration.failedAuthentication)
        let router = makeRouter(service: service, access: access, registry: registry, maxBodyBytes: configuration.maxBodyBytes ?? 65536)
        let limits = configuration.connectionLimits
        logger.info("serving", metadata: ["engine": "\(service.engine.reference)", "store": "\(service.store.displayName)"])
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ProtocolErrorHandler(),
                RequestDeadlineHandler(headTimeout: .seconds(limits.headerSeconds), bodyTimeout: .seconds(limits.bodySeconds)),
                GracefulDrainHandler(drainWindow: .seconds(limits.drainSeconds)),
            ],
            idleTimeout: .seconds(limits.idleSeconds))
        let server: HTTPServerBuilder = try configuration.tls.map { try ServiceTLS(settings: $0, logger: logger).serverBuilder(http1: http1) } ?? .http1(configuration: http1)
        // With a queue section the same process also consumes LoanAppliedEvent, on the same store.
        let consumer = try configuration.queue.map { settings in
            QueueConsumer(settings: settings, broker: try settings.amqpConfiguration(), service: service,
                          maxBodyBytes: configuration.maxBodyBytes ?? 65536, logger: logger)
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
            services: consumer.map { [$0] } ?? [],
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// The scoring path of `configuration` (model, policy, store and checkpoints), shared by the
    /// HTTP service and the queue consumer.
    static func makeScoreService(configuration: ServerConfiguration, logger: Logger) async throws -> ScoreService {
        let engine = RiskEngine(
            model: try ModelFileLoader.load(path: configuration.model), policy: try PolicyFileLoader.load(path: configuration.policy))
        let checkpoints = try configuration.checkpointLog { checkpoint, written in
            // The chain's head, and the last head a checkpoint covers: their difference is the checkpoint lag.
            Gauge(label: "credit_audit_chain_seq", dimensions: [("chain", checkpoint.chain)]).record(checkpoint.seq)
            guard written else {
                logger.error("checkpoint not written", metadata: ["chain": "\(checkpoint.chain)", "seq": "\(checkpoint.seq)"])
                return
            }
            Gauge(label: "credit_audit_checkpoint_seq", dimensions: [("chain", checkpoint.chain)]).record(checkpoint.seq)
            logger.info("checkpoint", metadata: [
                "chain": "\(checkpoint.chain)", "seq": "\(checkpoint.seq)", "head": "\(checkpoint.head)", "time": "\(checkpoint.time)",
                "signature": "\(checkpoint.signature)",
            ])
        }
        let store = try await configuration.openStore(checkpoints: checkpoints, logger: logger)
        return ScoreService(engine: engine, store: store)
    }

    static func makeRouter(
        service: ScoreService, access: AccessControl, registry: PrometheusCollectorRegistry, maxBodyBytes: Int
    ) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        // Metrics outermost, so they record the status the client gets (a 422 problem is a 422).
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestLogMiddleware())

        router.get("health/live") { _, _ in json(["status": "live"]) }
        let readiness = Readiness()
        router.get("health/ready") { _, _ in
            let ready = await service.store.isReachable()
            readiness.record(ready)
            return ready ? json(["status": "ready"]) : json(["status": "store unavailable"], status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("api/v1/openapi.yaml") { _, _ in
            // Embedded in the binary at build time: no resource bundle to deploy.
            let bytes = PackageResources.openapi_yaml
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        let api = router.group("api/v1")
        api.post("scores") { request, context in
            let principal = try await authorize(request, context: context, access: access, role: .scorer)
            guard isJSONMediaType(request.headers[.contentType]) else {
                throw APIProblem(
                    status: 415, slug: "unsupported-media-type", title: "Unsupported media type", detail: "send application/json (charset utf-8, if any)")
            }
            // A declared length over the limit is refused before any of the body is read, so a
            // client that declares 10¹² bytes, or waits on `Expect: 100-continue`, is answered at once.
            if let declared = request.headers[.contentLength], Int(declared).map({ $0 > maxBodyBytes }) ?? true {
                throw APIProblem(status: 413, slug: "body-too-large", title: "Request body too large", detail: "the limit is \(maxBodyBytes) bytes")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch {
                throw APIProblem(status: 413, slug: "body-too-large", title: "Request body too large", detail: "the limit is \(maxBodyBytes) bytes")
            }
            let stored = try await service.score(
                body: Data(body.readableBytesView), idempotencyKey: request.headers[idempotencyHeader], caller: principal.keyId)
            return raw(stored.body, status: .init(code: stored.status))
        }
        api.get("scores/{id}") { request, context in
            try await authorize(request, context: context, access: access, role: .reader)
            let id = try pathParameter("id", context: context)
            let found: StoredResponse?
            do throws(StoreError) { found = try await service.store.response(forScore: id.lowercased()) } catch {
                context.logger.error("stored response refused", metadata: ["problem": "\(error)"])
                throw APIProblem.storeRead(error)
            }
            guard let stored = found else {
                throw APIProblem(status: 404, slug: "not-found", title: "Not found", detail: "no score with this id")
            }
            return raw(stored.body, status: .ok)
        }
        api.get("loans/{loan_id}/scores") { request, context in
            try await authorize(request, context: context, access: access, role: .reader)
            let loanId = try pathParameter("loan_id", context: context)
            let page = try LoanPage(query: request.uri.queryParameters)
            let responses: (bodies: [Data], next: Int64?)
            do throws(StoreError) { responses = try await service.store.responses(forLoan: loanId, after: page.after, limit: page.limit) } catch {
                context.logger.error("stored response refused", metadata: ["problem": "\(error)"])
                throw APIProblem.storeRead(error)
            }
            var bytes = Data("{\"loan_id\":".utf8)
            bytes.append(try JSONEncoder().encode(loanId))
            bytes.append(contentsOf: Array(",\"next_cursor\":".utf8))
            bytes.append(contentsOf: Array((responses.next.map { "\"\($0)\"" } ?? "null").utf8))
            bytes.append(contentsOf: Array(",\"scores\":[".utf8))
            for (index, response) in responses.bodies.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                bytes.append(response)
            }
            bytes.append(contentsOf: Array("]}".utf8))
            return raw(bytes, status: .ok)
        }
        api.get("models") { request, context in
            try await authorize(request, context: context, access: access, role: .reader)
            let engine = service.engine
            let models: [[String: String]] = [
                ["kind": "model", "id": engine.model.file.modelId, "version": engine.model.file.modelVersion, "sha256": engine.model.contentSHA256],
                ["kind": "policy", "id": engine.policy.file.policyId, "version": engine.policy.file.policyVersion,
                 "sha256": engine.policy.file.contentSHA256 ?? ""],
            ]
            return try raw(JSONEncoder().encode(["loaded": models]), status: .ok)
        }
        return router
    }

    /// A path parameter, percent-decoded (RFC 3986 §2.1: `loan%2D1` is `loan-1`).
    /// - Throws: a 400 problem for malformed percent-encoding.
    static func pathParameter(_ name: String, context: ServiceRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIProblem(status: 400, slug: "bad-request", title: "Malformed path", detail: "\(name) has malformed percent-encoding",
                             errors: [FieldProblem(field: name, problem: "malformed percent-encoding")])
        }
        return decoded
    }

    /// Checks the caller's key, role and rate and returns who the caller is; throws the problem
    /// to return otherwise.
    @discardableResult
    static func authorize(
        _ request: Request, context: ServiceRequestContext, access: AccessControl, role: ServerConfiguration.Role
    ) async throws -> Principal {
        // An address that keeps presenting wrong credentials waits, before any is checked.
        if let wait = access.failureWait(address: context.clientAddress) {
            throw APIProblem(status: 429, slug: "rate-limited", title: "Too many failed authentications",
                             detail: "retry after \(wait) s", retryAfterSeconds: wait)
        }
        var principal: Principal?
        if let key = request.headers[apiKeyHeader] {
            principal = access.authenticate(key)
        } else if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            principal = await access.authenticate(bearer: String(authorization.dropFirst(7)))
        }
        guard let principal else {
            access.recordFailure(address: context.clientAddress)
            throw APIProblem(status: 401, slug: "unauthorized", title: "Unauthorized", detail: "a valid API key (X-API-Key or Bearer) or gateway token is required")
        }
        guard principal.may(role) else {
            throw APIProblem(status: 403, slug: "forbidden", title: "Forbidden", detail: "this key's role may not do this")
        }
        if let wait = access.admit(principal) {
            throw APIProblem(status: 429, slug: "rate-limited", title: "Too many requests", detail: "retry after \(wait) s", retryAfterSeconds: wait)
        }
        return principal
    }

    /// Whether a `Content-Type` is `application/json`, with at most a `charset=utf-8` parameter
    /// (RFC 9110 media type: case-insensitive type and parameter names, optional white space).
    static func isJSONMediaType(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts[0].lowercased() == "application/json" else { return false }
        return parts.dropFirst().allSatisfy { parameter in
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return pair.count == 2 && pair[0] == "charset" && (pair[1] == "utf-8" || pair[1] == "\"utf-8\"")
        }
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        raw((try? JSONEncoder().encode(object)) ?? Data(), status: status)
    }

    static func raw(_ bytes: Data, status: HTTPResponse.Status, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// What `/health/ready` last answered, for metrics: `credit_ready` (1 or 0) and
/// `credit_readiness_changes_total`, so a flapping instance shows on the dashboard and alerts.
final class Readiness: Sendable {
    private let last = Mutex<Bool?>(nil)
    private let gauge = Gauge(label: "credit_ready")
    private let changes = Counter(label: "credit_readiness_changes_total")

    func record(_ ready: Bool) {
        gauge.record(ready ? 1 : 0)
        let changed = last.withLock { last in
            defer { last = ready }
            return last != nil && last != ready
        }
        if changed { changes.increment() }
    }
}

/// Which page of a loan's decisions to return: `limit` (1 to 500, default 100) after `cursor`
/// (the `next_cursor` of the page before).
struct LoanPage {
    static let maximumLimit = 500
    var limit = 100
    var after: Int64?

    /// The page a query asks for.
    /// - Throws: a 400 problem naming the parameter for a limit or cursor out of range.
    init(query: Parameters) throws {
        if let text = query["limit"] {
            guard let limit = Int(text), (1...Self.maximumLimit).contains(limit) else {
                throw APIProblem(status: 400, slug: "bad-request", title: "Invalid query", detail: "limit must be an integer from 1 to \(Self.maximumLimit)",
                                 errors: [FieldProblem(field: "limit", problem: "must be an integer from 1 to \(Self.maximumLimit)")])
            }
            self.limit = limit
        }
        if let text = query["cursor"] {
            guard let after = Int64(text), after > 0 else {
                throw APIProblem(status: 400, slug: "bad-request", title: "Invalid query", detail: "cursor must be a next_cursor of an earlier page",
                                 errors: [FieldProblem(field: "cursor", problem: "must be a next_cursor of an earlier page")])
            }
            self.after = after
        }
    }
}

/// Sets the request id (from `X-Request-ID`, else `traceparent`'s trace id, else a new UUID),
/// echoes it, renders every error as RFC 9457 problem JSON, and logs one line per request
/// (method, path, status, duration: never the body).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestId = Self.requestId(request)
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as APIProblem {
            response = Self.problem(problem, requestId: context.requestId)
        } catch let error as HTTPError where error.status == .notFound && !Self.allowedMethods(request.uri.path).isEmpty {
            let allowed = Self.allowedMethods(request.uri.path)
            response = Self.problem(
                APIProblem(status: 405, slug: "method-not-allowed", title: "Method not allowed", detail: "use \(allowed.joined(separator: ", "))"),
                requestId: context.requestId)
            response.headers[.allow] = allowed.joined(separator: ", ")
        } catch let error as HTTPError {
            let problem = APIProblem(
                status: Int(error.status.code), slug: error.status == .notFound ? "not-found" : "http-error",
                title: error.status.reasonPhrase, detail: error.status == .notFound ? "no such resource" : error.status.reasonPhrase)
            response = Self.problem(problem, requestId: context.requestId)
        } catch {
            context.logger.error("unhandled error", metadata: ["type": "\(type(of: error))"])
            response = Self.problem(
                APIProblem(status: 500, slug: "internal", title: "Internal error", detail: "the request could not be completed"),
                requestId: context.requestId)
        }
        response.headers[ScoreServer.requestIDHeader] = context.requestId
        let elapsed = ContinuousClock.now - start
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "duration_ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
        ])
        return response
    }

    /// The routes and their methods, for 405 answers.
    static let routes: [(segments: [String], methods: [String])] = [
        (["api", "v1", "scores"], ["POST"]), (["api", "v1", "scores", "*"], ["GET"]), (["api", "v1", "loans", "*", "scores"], ["GET"]),
        (["api", "v1", "models"], ["GET"]), (["api", "v1", "openapi.yaml"], ["GET"]), (["health", "live"], ["GET"]),
        (["health", "ready"], ["GET"]), (["metrics"], ["GET"]),
    ]

    /// The methods a path allows (empty when no route has this path).
    static func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/").map(String.init)
        return routes.first { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }?.methods ?? []
    }

    static func requestId(_ request: Request) -> String {
        if let id = request.headers[ScoreServer.requestIDHeader], (1...128).contains(id.utf8.count),
            id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return id
        }
        if let parent = request.headers[HTTPField.Name("traceparent")!] {
            let parts = parent.split(separator: "-")
            if parts.count == 4, parts[1].count == 32, parts[1].allSatisfy(\.isHexDigit) { return String(parts[1]) }
        }
        return UUID().uuidString.lowercased()
    }

    static func problem(_ problem: APIProblem, requestId: String) -> Response {
        var response = ScoreServer.raw(problemJSON(problem, requestId: requestId), status: .init(code: problem.status), contentType: "application/problem+json")
        if let wait = problem.retryAfterSeconds { response.headers[ScoreServer.retryAfterHeader] = String(wait) }
        return response
    }

    /// The RFC 9457 problem document of `problem`.
    static func problemJSON(_ problem: APIProblem, requestId: String) -> Data {
        struct Body: Encodable {
            var type: String
            var title: String
            var status: Int
            var detail: String
            var requestId: String
            var errors: [FieldProblem]?

            enum CodingKeys: String, CodingKey { case type, title, status, detail, requestId = "request_id", errors }
        }
        let body = Body(
            type: "urn:creditengine:problem:\(problem.slug)", title: problem.title, status: problem.status, detail: problem.detail,
            requestId: requestId, errors: problem.errors.isEmpty ? nil : problem.errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data()
    }
}
