import CreditEngine
public import Foundation

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
        /// `HS256` (with `secretBase64`) or `ES256` (with `publicKeyPEM`).
        public var algorithm: String
        public var secretBase64: String?
        public var publicKeyPEM: String?
        /// Required `iss` and `aud` values, when set.
        public var issuer: String?
        public var audience: String?
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
    /// SQLite file of the decision store (created if missing).
    public var store: String
    /// File holding the store secret (32 bytes, base64), or the environment variable that does.
    public var storeKeyFile: String?
    public var storeKeyEnvironment: String?
    public var apiKeys: [APIKey]
    /// Optional JWT verification for calls through the gateway.
    public var jwt: JWT?
    /// Largest request body accepted (default 64 KiB).
    public var maxBodyBytes: Int?
    /// `trace`, `debug`, `info` (default), `notice`, `warning`, `error`.
    public var logLevel: String?

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
        configuration.store = resolve(configuration.store)
        configuration.storeKeyFile = configuration.storeKeyFile.map(resolve)
        guard (0...65535).contains(configuration.port) else { throw ConfigurationProblem("\(path): port must be 0 to 65535") }
        guard !configuration.apiKeys.isEmpty else { throw ConfigurationProblem("\(path): apiKeys: at least one key is needed") }
        for key in configuration.apiKeys where key.sha256.count != 64 || !key.sha256.allSatisfy(\.isHexDigit) {
            throw ConfigurationProblem("\(path): apiKeys '\(key.id)': sha256 must be 64 hex digits (printf %s KEY | sha256sum)")
        }
        if let limit = configuration.maxBodyBytes, limit < 1024 { throw ConfigurationProblem("\(path): maxBodyBytes must be at least 1024") }
        return configuration
    }

    /// The store secret's base64 text, from the key file or the environment.
    public func storeSecretText() throws(ConfigurationProblem) -> String {
        if let file = storeKeyFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigurationProblem("store key file \(file) cannot be read") }
            return text
        }
        if let name = storeKeyEnvironment {
            guard let text = ProcessInfo.processInfo.environment[name] else { throw ConfigurationProblem("environment variable \(name) is not set") }
            return text
        }
        throw ConfigurationProblem("set storeKeyFile or storeKeyEnvironment: applicant inputs are stored encrypted")
    }
}

/// A configuration that cannot be used.
public struct ConfigurationProblem: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
