import CreditEngine
public import CreditAMQP
public import CreditStore
import Foundation
public import Logging

/// The `credit serve --config FILE` document (JSON). Paths are relative to the file.
public struct ServerConfiguration: Sendable, Decodable {
    /// A caller's API key: only its SHA-256 is stored.
    public struct APIKey: Sendable, Decodable {
        public var id: String
        /// Lowercase hex SHA-256 of the key as sent.
        public var sha256: String
        public var role: Role
        /// Sustained requests per second and burst allowed for this key (defaults 200 and 400).
        public var ratePerSecond: Double?
        public var burst: Double?
    }

    /// What a key may do: `scorer` scores and reads, `reader` reads, `admin` also lists models.
    public enum Role: String, Sendable, Decodable {
        case scorer, reader, admin
    }

    /// Verification of JSON Web Tokens sent by the API gateway as `Authorization: Bearer`.
    public struct JWT: Sendable, Decodable {
        /// `HS256` (with `secretBase64`), `ES256` or `RS256` (with `publicKeyPEM`).
        public var algorithm: String
        public var secretBase64: String?
        public var publicKeyPEM: String?
        /// The `iss` value tokens must carry, when set.
        public var issuer: String?
        /// The `aud` value tokens must carry: required (a token for another service is refused).
        public var audience: String?
        /// The longest a token may live (`exp` − `iat`); tokens without `iat` are then refused.
        public var maximumLifetimeSeconds: Double?
        /// The role of a token without a `role` claim; a `role` claim (`scorer`, `reader`,
        /// `admin`) set by the gateway takes precedence.
        public var role: Role
        /// Rate per token subject (`sub`), as for API keys.
        public var ratePerSecond: Double?
        public var burst: Double?
    }

    public var host: String
    public var port: Int
    public var model: String
    public var policy: String
    /// The decision store: a SQLite file (one instance), or a
    /// `postgresql://user@host:port/database?sslmode=…` URL shared by every replica.
    public var store: String
    /// The PostgreSQL password, from a file (a mounted Secret) or an environment variable, when
    /// the URL carries none.
    public var storePasswordFile: String?
    public var storePasswordEnvironment: String?
    /// Apply the PostgreSQL store's migrations at start-up (default false: run
    /// `credit store migrate` as the schema's owner, and give the service a role without DDL).
    public var migrate: Bool?
    /// The PostgreSQL connection pool; defaults when absent.
    public var postgres: PostgresPool?

    /// Each instance's PostgreSQL connections and timeouts.
    public struct PostgresPool: Codable, Sendable {
        /// Connections at most (default 10).
        public var poolSize: Int?
        /// Seconds to wait for a new connection (default 5).
        public var connectTimeoutSeconds: Int?
        /// Milliseconds a statement may run before PostgreSQL cancels it (default 5000).
        public var statementTimeoutMilliseconds: Int?
    }
    /// Create the store when `store` does not exist (default false: a missing store is refused,
    /// so a wrong path or a lost volume never starts an empty audit trail).
    public var createStore: Bool?
    /// File holding the store secret (32 bytes, base64), or the environment variable that does.
    public var storeKeyFile: String?
    public var storeKeyEnvironment: String?
    /// The API keys (SHA-256 and role), here and/or in `apiKeysFile`.
    public var apiKeys: [APIKey]?
    /// A JSON file holding more API keys, as an array like `apiKeys`: mounted from a Kubernetes
    /// Secret, so the hashes and roles need not be in the ConfigMap.
    public var apiKeysFile: String?
    /// Optional JWT verification for calls through the gateway.
    public var jwt: JWT?
    /// Largest request body accepted (default 64 KiB).
    public var maxBodyBytes: Int?
    /// `trace`, `debug`, `info` (default), `notice`, `warning`, `error`.
    public var logLevel: String?
    /// Ed25519 private key (base64, from `credit audit keygen`) that signs a checkpoint after every
    /// committed batch, from a file or an environment variable; no checkpoints when neither is set.
    public var checkpointKeyFile: String?
    public var checkpointKeyEnvironment: String?
    /// The log the signed checkpoints are appended to, outside the database (one JSON line each).
    /// Required with a checkpoint key.
    public var checkpointLog: String?
    /// Connection limits and client timeouts; defaults when absent.
    public var connections: ConnectionLimits?
    /// Failed authentications allowed per client address: `burst` at once, then `ratePerSecond`
    /// (defaults 20 and 2).
    public var failedAuthentication: RateLimit?

    /// TLS terminated in the service; plain HTTP when absent (TLS at the ingress or mesh).
    public var tls: TLS?

    /// The service's certificate and key, and the CA of client certificates to require.
    /// The queue consumer (`credit consume`): LoanAppliedEvent messages from RabbitMQ, scored and
    /// stored as `POST /api/v1/scores` does, the decision published as a CreditScoredEvent.
    public var queue: QueueSettings?

    public struct QueueSettings: Codable, Sendable {
        /// The broker: `amqp://user@host:port/vhost` (a password here is replaced by the file's or variable's).
        public var url: String
        public var passwordFile: String?
        public var passwordEnvironment: String?
        /// Whose events these are (an API key's id, `loan-service`): the idempotency namespace they
        /// share with that caller's HTTP requests, so an event scored both ways is decided once.
        public var caller: String
        /// The queue of LoanAppliedEvent messages (default `loan.applied`); its dead-letter queue is
        /// `<queue>.dlq`, its retry queues `<queue>.retry.<n>`.
        public var queue: String?
        /// The topic exchange CreditScoredEvent messages go to (default `credit.scored`), with routing key `credit.scored`.
        public var resultExchange: String?
        /// Seconds before each retry of a transient failure (default 5, 30, 120); after the last, the dead-letter queue.
        public var retryDelaysSeconds: [Int]?
        /// Deliveries scored at once, unacknowledged (default 16).
        public var prefetch: Int?

        /// The queue's name, and its dead-letter, retry and result names.
        public var queueName: String { queue ?? "loan.applied" }
        public var deadLetterQueue: String { "\(queueName).dlq" }
        public var resultExchangeName: String { resultExchange ?? "credit.scored" }
        public var retryDelays: [Int] { retryDelaysSeconds ?? [5, 30, 120] }

        /// The broker's address, the password read through the one key reader.
        public func amqpConfiguration() throws(ConfigurationProblem) -> AMQPConfiguration {
            do {
                var password: String?
                if passwordFile != nil || passwordEnvironment != nil {
                    password = try SecretText.read(file: passwordFile, environment: passwordEnvironment, what: "queue password").trimmingCharacters(in: .newlines)
                }
                return try AMQPConfiguration(url: url, password: password)
            } catch let error as StoreError {
                throw ConfigurationProblem(error.description)
            } catch {
                throw ConfigurationProblem("\(error)")
            }
        }
    }

    public struct TLS: Codable, Sendable {
        /// PEM certificate chain, the service's certificate first.
        public var certificateFile: String
        /// PEM private key of the certificate (not readable by other users).
        public var privateKeyFile: String
        /// PEM CA certificates: when set, every client must present a certificate they signed.
        public var clientCAFile: String?
        /// How often, at most, the files are checked for a change (on a new connection). Default 30.
        public var reloadSeconds: Int?
    }

    /// A token bucket's rate and burst.
    public struct RateLimit: Codable, Sendable {
        public var ratePerSecond: Double?
        public var burst: Double?
    }

    /// How many connections are served at once and how long a client may take.
    public struct ConnectionLimits: Codable, Sendable {
        /// Connections accepted at once; further ones wait in the listen backlog. Keep it below the
        /// process's file-descriptor limit. Default 512.
        public var maxConnections: Int?
        /// Seconds a connection may stay idle between requests. Default 60.
        public var idleSeconds: Int?
        /// Seconds from the connection (or the previous response) to a complete request head. Default 10.
        public var headerSeconds: Int?
        /// Seconds from the request head to the end of its body. Default 30.
        public var bodySeconds: Int?
        /// At shutdown, seconds an idle keep-alive connection stays open for a request already on
        /// its way (answered with `Connection: close`). Default 5.
        public var drainSeconds: Int?
    }

    /// The connection limits in force, defaults filled in.
    var connectionLimits: (maxConnections: Int, idleSeconds: Int64, headerSeconds: Int64, bodySeconds: Int64, drainSeconds: Int64) {
        (connections?.maxConnections ?? 512, Int64(connections?.idleSeconds ?? 60), Int64(connections?.headerSeconds ?? 10),
         Int64(connections?.bodySeconds ?? 30), Int64(connections?.drainSeconds ?? 5))
    }

    /// Reads and checks a configuration file, resolving its relative paths.
    public static func load(path: String) throws(ConfigurationProblem) -> ServerConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ConfigurationProblem("\(path): cannot be read") }
        var configuration: ServerConfiguration
        do {
            configuration = try JSONDecoder().decode(ServerConfiguration.self, from: data)
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw ConfigurationProblem("\(path): \(problem.path.isEmpty ? "" : "\(problem.path): ")\(problem.problem)")
        } catch {
            throw ConfigurationProblem("\(path): \(error)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : base.appendingPathComponent(file).path }
        configuration.model = resolve(configuration.model)
        configuration.policy = resolve(configuration.policy)
        if StoreLocation.isPostgresURL(configuration.store) {
            do { _ = try StoreLocation.parse(configuration.store) } catch { throw ConfigurationProblem("\(path): \(error.description)") }
            if let pool = configuration.postgres {
                for (name, value, range) in [
                    ("poolSize", pool.poolSize, 1...1000), ("connectTimeoutSeconds", pool.connectTimeoutSeconds, 1...300),
                    ("statementTimeoutMilliseconds", pool.statementTimeoutMilliseconds, 0...3_600_000),
                ] {
                    if let value, !range.contains(value) {
                        throw ConfigurationProblem("\(path): postgres.\(name) must be \(range.lowerBound) to \(range.upperBound)")
                    }
                }
            }
        } else {
            guard configuration.postgres == nil, configuration.storePasswordFile == nil, configuration.storePasswordEnvironment == nil,
                configuration.migrate == nil
            else { throw ConfigurationProblem("\(path): postgres, storePasswordFile, storePasswordEnvironment and migrate apply to a PostgreSQL store only") }
            configuration.store = resolve(configuration.store)
        }
        configuration.storePasswordFile = configuration.storePasswordFile.map(resolve)
        configuration.storeKeyFile = configuration.storeKeyFile.map(resolve)
        configuration.checkpointKeyFile = configuration.checkpointKeyFile.map(resolve)
        configuration.checkpointLog = configuration.checkpointLog.map(resolve)
        if var tls = configuration.tls {
            (tls.certificateFile, tls.privateKeyFile, tls.clientCAFile) = (resolve(tls.certificateFile), resolve(tls.privateKeyFile), tls.clientCAFile.map(resolve))
            if let seconds = tls.reloadSeconds, !(1...3600).contains(seconds) { throw ConfigurationProblem("\(path): tls.reloadSeconds must be 1 to 3600") }
            configuration.tls = tls
        }
        if (configuration.checkpointKeyFile != nil || configuration.checkpointKeyEnvironment != nil) != (configuration.checkpointLog != nil) {
            throw ConfigurationProblem("\(path): checkpointLog and a checkpoint key (checkpointKeyFile or checkpointKeyEnvironment) go together")
        }
        if var queue = configuration.queue {
            do { _ = try AMQPConfiguration(url: queue.url) } catch { throw ConfigurationProblem("\(path): queue.url: \(error.description)") }
            guard SafeIdentifier.isValid(queue.caller) else { throw ConfigurationProblem("\(path): queue.caller \(SafeIdentifier.rule)") }
            for (name, value) in [("queue", queue.queueName), ("resultExchange", queue.resultExchangeName)] where value.isEmpty || value.utf8.count > 200 {
                throw ConfigurationProblem("\(path): queue.\(name) must be 1 to 200 bytes")
            }
            if let prefetch = queue.prefetch, !(1...1000).contains(prefetch) { throw ConfigurationProblem("\(path): queue.prefetch must be 1 to 1000") }
            guard queue.retryDelays.count <= 10, queue.retryDelays.allSatisfy({ (1...86_400).contains($0) }) else {
                throw ConfigurationProblem("\(path): queue.retryDelaysSeconds must be at most 10 delays of 1 to 86400 seconds")
            }
            queue.passwordFile = queue.passwordFile.map(resolve)
            configuration.queue = queue
        }
        guard (0...65535).contains(configuration.port) else { throw ConfigurationProblem("\(path): port must be 0 to 65535") }
        if let file = configuration.apiKeysFile.map(resolve) {
            configuration.apiKeysFile = file
            let keys: [APIKey]
            do { keys = try JSONDecoder().decode([APIKey].self, from: try Data(contentsOf: URL(fileURLWithPath: file))) } catch let error as DecodingError {
                let problem = DecodingProblem(error)
                throw ConfigurationProblem("\(file): \(problem.path.isEmpty ? "" : "\(problem.path): ")\(problem.problem) (expected an array of API keys)")
            } catch {
                throw ConfigurationProblem("\(path): apiKeysFile cannot be read")
            }
            configuration.apiKeys = (configuration.apiKeys ?? []) + keys
        }
        let keys = configuration.apiKeys ?? []
        // A consumer-only configuration needs none: every HTTP request would get 401.
        guard !keys.isEmpty || configuration.queue != nil else {
            throw ConfigurationProblem("\(path): apiKeys: at least one key is needed (in apiKeys or apiKeysFile)")
        }
        guard Set(keys.map(\.id)).count == keys.count else { throw ConfigurationProblem("\(path): apiKeys: two keys have one id") }
        for key in keys {
            // ASCII hex only: Character.isHexDigit also accepts full-width digits.
            let isHex = key.sha256.utf8.count == 64 && key.sha256.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            }
            guard isHex else { throw ConfigurationProblem("\(path): apiKeys '\(key.id)': sha256 must be 64 hex digits (printf %s KEY | sha256sum)") }
            try checkRate(key.ratePerSecond, burst: key.burst, at: "\(path): apiKeys '\(key.id)'")
        }
        if let jwt = configuration.jwt { try checkRate(jwt.ratePerSecond, burst: jwt.burst, at: "\(path): jwt") }
        if let limit = configuration.failedAuthentication {
            try checkRate(limit.ratePerSecond, burst: limit.burst, at: "\(path): failedAuthentication")
        }
        if let limit = configuration.maxBodyBytes, limit < 1024 { throw ConfigurationProblem("\(path): maxBodyBytes must be at least 1024") }
        if let limits = configuration.connections {
            for (name, value, range) in [
                ("maxConnections", limits.maxConnections, 1...1_000_000), ("idleSeconds", limits.idleSeconds, 1...86_400),
                ("headerSeconds", limits.headerSeconds, 1...3_600), ("bodySeconds", limits.bodySeconds, 1...3_600),
                ("drainSeconds", limits.drainSeconds, 1...300),
            ] {
                if let value, !range.contains(value) {
                    throw ConfigurationProblem("\(path): connections.\(name) must be \(range.lowerBound) to \(range.upperBound)")
                }
            }
        }
        return configuration
    }

    /// A rate limit must be a finite rate above 0 per second and a burst of at least 1.
    private static func checkRate(_ rate: Double?, burst: Double?, at place: String) throws(ConfigurationProblem) {
        if let rate, !(rate.isFinite && rate > 0) {
            throw ConfigurationProblem("\(place): ratePerSecond must be a number above 0 (leave it out for no limit)")
        }
        if let burst, !(burst.isFinite && burst >= 1) { throw ConfigurationProblem("\(place): burst must be a number of at least 1") }
    }

    /// The store secret's base64 text, from the key file or the environment.
    public func storeSecretText() throws(ConfigurationProblem) -> String {
        guard storeKeyFile != nil || storeKeyEnvironment != nil else {
            throw ConfigurationProblem("set storeKeyFile or storeKeyEnvironment: applicant inputs are stored encrypted")
        }
        do { return try SecretText.read(file: storeKeyFile, environment: storeKeyEnvironment, what: "store key") } catch {
            throw ConfigurationProblem(error.description)
        }
    }

    /// Where the store is, with the PostgreSQL password read (from `storePasswordFile` or
    /// `storePasswordEnvironment`) and the pool's settings applied.
    public func storeLocation() throws(ConfigurationProblem) -> StoreLocation {
        do {
            var password: String?
            if storePasswordFile != nil || storePasswordEnvironment != nil {
                password = try SecretText.read(file: storePasswordFile, environment: storePasswordEnvironment, what: "store password")
                    .trimmingCharacters(in: .newlines)
            }
            guard case .postgres(var settings) = try StoreLocation.parse(store, password: password) else { return .sqlite(path: store) }
            settings.poolSize = postgres?.poolSize ?? settings.poolSize
            settings.connectTimeoutSeconds = postgres?.connectTimeoutSeconds ?? settings.connectTimeoutSeconds
            settings.statementTimeoutMilliseconds = postgres?.statementTimeoutMilliseconds ?? settings.statementTimeoutMilliseconds
            return .postgres(settings)
        } catch {
            throw ConfigurationProblem(error.description)
        }
    }

    /// The store at ``storeLocation()``, opened with the store key and the checkpoint log.
    public func openStore(checkpoints: CheckpointLog?, logger: Logger) async throws -> any DecisionStorage {
        try await storeLocation().open(
            secret: try StoreSecret(base64: try storeSecretText()), create: createStore ?? false, checkpoints: checkpoints,
            migrate: migrate ?? false, logger: logger)
    }

    /// The checkpoint log, when a checkpoint key is configured; each checkpoint is also given to
    /// `emit`, with whether it reached the log.
    public func checkpointLog(emit: @escaping @Sendable (Checkpoint, Bool) -> Void) throws(ConfigurationProblem) -> CheckpointLog? {
        guard let path = checkpointLog else { return nil }
        do {
            let text = try SecretText.read(file: checkpointKeyFile, environment: checkpointKeyEnvironment, what: "checkpoint key")
            return try CheckpointLog(path: path, signer: try CheckpointSigner(base64: text), emit: emit)
        } catch {
            throw ConfigurationProblem(error.description)
        }
    }
}

/// A configuration that cannot be used.
public struct ConfigurationProblem: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
