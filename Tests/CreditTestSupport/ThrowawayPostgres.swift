import Foundation
import Glibc

/// A PostgreSQL cluster of the test's own: `initdb` into a temporary directory, `pg_ctl` on
/// 127.0.0.1 and a free port, run as the `postgres` user when the tests run as root (CI does);
/// stopped and removed when released. No mock: the real server of Debian's `postgresql`.
///
/// It holds the two roles of the README: `credit_owner` (owns the database, runs migrations) and
/// `credit_service` (what the service connects as: INSERT and SELECT only, once migrated with
/// `--service-role credit_service`). Host connections authenticate with SCRAM passwords.
public final class ThrowawayPostgres: @unchecked Sendable {
    public static let ownerPassword = "owner-Pw-7f3a"
    public static let servicePassword = "service-Pw-91c2"
    public let port: Int
    let directory: TemporaryDirectory
    let binaries: String
    let prefix: [String]
    var data: String { directory.path("data") }

    /// The store URL as the owner (`credit_owner`) or the service (`credit_service`).
    public func url(owner: Bool = false) -> String {
        owner
            ? "postgresql://credit_owner:\(Self.ownerPassword)@127.0.0.1:\(port)/credit?sslmode=disable"
            : "postgresql://credit_service:\(Self.servicePassword)@127.0.0.1:\(port)/credit?sslmode=disable"
    }

    /// Why a cluster could not be started, with the tool's output.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates and starts the cluster, the database `credit` owned by `credit_owner`, and the role
    /// `credit_service`.
    public init() throws {
        let found = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
        guard let version = found else { throw Failure(description: "PostgreSQL's server is not installed (Debian: apt-get install postgresql)") }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = try TemporaryDirectory()
        prefix = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        port = try Self.freePort()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)
        let passwordFile = directory.path("owner.pw")
        try Self.ownerPassword.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if geteuid() == 0 {
            try Self.run(["/bin/chown", "-R", "postgres:postgres", directory.url.path])
        }
        try Self.run(prefix + [
            "\(binaries)/initdb", "-D", data, "-U", "credit_owner", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--no-sync",
        ])
        try start()
        try psql("CREATE DATABASE credit OWNER credit_owner", database: "postgres")
        try psql("CREATE ROLE credit_service LOGIN PASSWORD '\(Self.servicePassword)'", database: "postgres")
    }

    deinit { stop(immediately: true) }

    /// Starts the server (again, after ``stop(immediately:)``) on the same port and data.
    public func start() throws {
        // The server inherits pg_ctl's descriptors: no pipe, or reading it would never end.
        try Self.run(detached: true, prefix + [
            "\(binaries)/pg_ctl", "-D", data, "-w", "-t", "60", "-l", directory.path("server.log"), "-o",
            "-c listen_addresses=127.0.0.1 -p \(port) -c unix_socket_directories=\(directory.url.path) -c fsync=off -c max_connections=200",
            "start",
        ])
    }

    /// Stops the server: at once (`immediate`, as a crash) or after the sessions end (`fast`).
    public func stop(immediately: Bool = false) {
        _ = try? Self.run(detached: true, prefix + ["\(binaries)/pg_ctl", "-D", data, "-w", "-m", immediately ? "immediate" : "fast", "stop"])
    }

    /// Runs `sql` with psql over the cluster's socket as `user` and returns its output (CSV rows).
    /// - Throws: ``Failure`` with psql's error when a statement fails.
    @discardableResult
    public func psql(_ sql: String, user: String = "credit_owner", database: String = "credit") throws -> String {
        try Self.run([
            "/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql,
        ], environment: ["PGPASSWORD": user == "credit_owner" ? Self.ownerPassword : Self.servicePassword])
    }

    /// Starts psql on `sql` as the owner and returns at once, its output to /dev/null: a session
    /// that holds a lock while the test goes on. Wait for it with ``waitForBackground(_:)``.
    public func psqlInBackground(_ sql: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let arguments = ["/usr/bin/psql", "-X", "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "credit_owner", "-d", "credit", "-c", sql]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": Self.ownerPassword]) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
        defer { for pointer in variables { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, variables) == 0 else { throw Failure(description: "psql cannot be started") }
        return pid
    }

    /// Waits for a ``psqlInBackground(_:)`` session to end; whether it succeeded.
    public func waitForBackground(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status == 0
    }

    /// Runs a tool and returns its output; `detached` for one that leaves a server running, whose
    /// output goes nowhere (the server's own log has it).
    @discardableResult
    static func run(detached: Bool = false, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        if detached { return try spawnAndWait(arguments) }
        let output = Pipe(), errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(URL(fileURLWithPath: arguments[0]).lastPathComponent) failed: \(problem)\(text)")
        }
        return text
    }

    /// Runs a tool with posix_spawn and waitpid, its output to /dev/null. Foundation's `Process`
    /// learns of a child's exit from a socket the child inherits, which a server it starts keeps
    /// open: `waitUntilExit` would never return.
    static func spawnAndWait(_ arguments: [String]) throws -> String {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else {
            throw Failure(description: "\(arguments[0]) cannot be started")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else { throw Failure(description: "\(arguments.joined(separator: " ")) failed (see server.log)") }
        return ""
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    public static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
