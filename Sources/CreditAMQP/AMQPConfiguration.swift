import Foundation

/// Where and how to connect to the broker, checked once when made.
public struct AMQPConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String
    /// Seconds between heartbeats asked of the broker (it may ask for fewer); 0 turns them off.
    /// A connection that hears nothing for two intervals is treated as lost.
    public var heartbeatSeconds: UInt16 = 30
    /// The largest frame this client accepts, and offers the broker.
    public var frameMax: UInt32 = 131_072
    /// Seconds to connect and finish the handshake.
    public var connectTimeoutSeconds = 5

    /// A configuration from an `amqp://user:password@host:port/vhost` URL; `password` (read from
    /// a file or the environment) replaces the URL's. Parts are percent-decoded; the default
    /// virtual host is `/` (written `%2F` in a URL's path).
    /// - Throws: ``AMQPError/invalidArgument(_:)`` naming the part that is wrong (never its value).
    public init(url: String, password: String? = nil) throws(AMQPError) {
        guard url.hasPrefix("amqp://") else { throw .invalidArgument("the broker URL must start with amqp:// (amqps is not supported yet)") }
        var rest = Substring(url.dropFirst("amqp://".count))
        let path: Substring
        if let slash = rest.firstIndex(of: "/") { (path, rest) = (rest[rest.index(after: slash)...], rest[..<slash]) } else { path = "" }
        guard let at = rest.lastIndex(of: "@") else { throw .invalidArgument("the broker URL names no user (amqp://user@host/vhost)") }
        let credentials = rest[..<at], address = rest[rest.index(after: at)...]
        let userPart = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = String(userPart[0]).removingPercentEncoding, !user.isEmpty else { throw .invalidArgument("the broker URL's user is empty or badly encoded") }
        let urlPassword = userPart.count > 1 ? String(userPart[1]).removingPercentEncoding : ""
        guard let urlPassword else { throw .invalidArgument("the broker URL's password is badly encoded") }
        let hostPart = address.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard !hostPart[0].isEmpty else { throw .invalidArgument("the broker URL names no host") }
        var port = 5672
        if hostPart.count > 1 {
            guard let number = Int(hostPart[1]), (1...65535).contains(number) else { throw .invalidArgument("the broker URL's port is not a number from 1 to 65535") }
            port = number
        }
        guard let virtualHost = path.isEmpty ? "/" : String(path).removingPercentEncoding, !virtualHost.isEmpty else {
            throw .invalidArgument("the broker URL's virtual host is badly encoded")
        }
        guard virtualHost.utf8.count <= 255, user.utf8.count <= 255 else { throw .invalidArgument("the broker URL's user or virtual host is over 255 bytes") }
        (self.host, self.port, self.user, self.password, self.virtualHost) = (String(hostPart[0]), port, user, password ?? urlPassword, virtualHost)
    }

    /// The broker's address and virtual host, never the password.
    public var description: String { "amqp://\(user)@\(host):\(port)/\(virtualHost == "/" ? "%2F" : virtualHost)" }
}
