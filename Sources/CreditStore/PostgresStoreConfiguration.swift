import Foundation
import NIOSSL
import PostgresNIO

/// How to reach a PostgreSQL decision store: from a `postgresql://user:password@host:port/database`
/// URL (percent-encoded parts decoded, as libpq does) and the pool's limits.
///
/// URL parameters: `sslmode` (`disable`, `allow`/`prefer` (the default, as libpq's), `require`,
/// `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of CA certificates for the verify
/// modes), `connect_timeout` (seconds) and `application_name`. Any other parameter is refused, so
/// a misspelt `sslmode` never silently means no TLS.
public struct PostgresStoreConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, Equatable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// PEM CA certificates for `verify-ca` and `verify-full`; the system's roots when nil.
    public var sslRootCertificateFile: String?
    /// Connections each instance keeps at most (default 10).
    public var poolSize = 10
    /// Seconds to wait for a new connection (default 5).
    public var connectTimeoutSeconds = 5
    /// Milliseconds a statement may run before the server cancels it (default 5000; 0 for none).
    public var statementTimeoutMilliseconds = 5000
    public var applicationName = "creditengine"

    /// The configuration a URL names.
    /// - Parameter password: used when the URL carries none.
    /// - Throws: ``StoreError/invalidLocation(_:)`` naming what is wrong (never the password).
    public init(url text: String, password fallback: String? = nil) throws(StoreError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgresql" || scheme == "postgres"
        else { throw .invalidLocation("the store URL must look like postgresql://user:password@host:port/database") }
        guard let host = components.percentEncodedHost.flatMap({ $0.removingPercentEncoding }), !host.isEmpty else {
            throw .invalidLocation("the store URL names no host")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw .invalidLocation("the store URL names no user")
        }
        let database = String(components.percentEncodedPath.drop { $0 == "/" }).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else { throw .invalidLocation("the store URL names no database (…/database)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidLocation("the store URL's port must be 1 to 65535") }
        (self.host, self.port, self.user, self.database) = (host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port, user, database)
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? fallback
        sslMode = .prefer
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw .invalidLocation("sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
                }
                sslMode = mode
            case "sslrootcert": sslRootCertificateFile = value
            case "connect_timeout":
                guard let seconds = Int(value), (1...300).contains(seconds) else { throw .invalidLocation("connect_timeout must be 1 to 300 seconds") }
                connectTimeoutSeconds = seconds
            case "application_name":
                guard SafeName.isValid(value) else { throw .invalidLocation("application_name must be 1 to 63 letters, digits, '-', '_' or '.'") }
                applicationName = value
            default:
                throw .invalidLocation("the store URL parameter '\(item.name)' is not supported (sslmode, sslrootcert, connect_timeout, application_name)")
            }
        }
    }

    /// Host, port, database and user: what logs and messages may show.
    public var description: String { "postgresql://\(user)@\(host):\(port)/\(database)" }

    /// The client configuration for postgres-nio.
    /// - Throws: ``StoreError/invalidLocation(_:)`` when the CA file cannot be used.
    func clientConfiguration() throws(StoreError) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(connectTimeoutSeconds)
        // Sent in the start-up packet: every session of the pool has them from its first statement.
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(statementTimeoutMilliseconds)"), ("TimeZone", "UTC"), ("application_name", applicationName),
        ]
        return configuration
    }

    private func tls() throws(StoreError) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let file = sslRootCertificateFile {
            guard FileManager.default.isReadableFile(atPath: file) else { throw .invalidLocation("sslrootcert \(file) cannot be read") }
            tls.trustRoots = .file(file)
        }
        return sslMode == .require || sslMode == .verifyCA || sslMode == .verifyFull ? .require(tls) : .prefer(tls)
    }

    /// Equal when they reach the same database the same way (the password is compared too).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        (lhs.host, lhs.port, lhs.user, lhs.password, lhs.database) == (rhs.host, rhs.port, rhs.user, rhs.password, rhs.database)
            && (lhs.sslMode, lhs.sslRootCertificateFile, lhs.poolSize) == (rhs.sslMode, rhs.sslRootCertificateFile, rhs.poolSize)
            && (lhs.connectTimeoutSeconds, lhs.statementTimeoutMilliseconds, lhs.applicationName)
            == (rhs.connectTimeoutSeconds, rhs.statementTimeoutMilliseconds, rhs.applicationName)
    }
}

/// A PostgreSQL identifier this project writes unquoted: 1 to 63 ASCII letters, digits, `-`, `_`
/// or `.`, starting with a letter or `_` when used as a role name.
enum SafeName {
    static func isValid(_ text: String) -> Bool {
        (1...63).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    /// A role name: letters, digits and `_`, starting with a letter or `_` (written unquoted in GRANT).
    static func isValidRole(_ text: String) -> Bool {
        guard let first = text.utf8.first, (1...63).contains(text.utf8.count) else { return false }
        let isLetter = { (byte: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_") }
        return isLetter(first) && text.utf8.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
