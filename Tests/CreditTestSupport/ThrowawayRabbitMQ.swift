import Foundation
import Glibc

/// A RabbitMQ broker of the test's own: Debian's `rabbitmq-server` on 127.0.0.1 and a free port,
/// its node name, Erlang distribution and epmd ports, data and logs in a temporary directory;
/// stopped (and its epmd with it) when released. No mock: the real broker.
public final class ThrowawayRabbitMQ: @unchecked Sendable {
    public let port: Int
    let distributionPort: Int
    let epmdPort: Int
    let directory: TemporaryDirectory
    private var pid: pid_t = 0
    private let lock = NSLock()

    /// The broker's URL as its default user (`guest`, allowed from loopback only).
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2F" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a broker and waits until it accepts connections (without holding a thread of the
    /// concurrency pool: other tests go on meanwhile).
    public init() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.server) else {
            throw Failure(description: "RabbitMQ is not installed (Debian: apt-get install rabbitmq-server)")
        }
        directory = try TemporaryDirectory()
        (port, distributionPort, epmdPort) = (try ThrowawayPostgres.freePort(), try ThrowawayPostgres.freePort(), try ThrowawayPostgres.freePort())
        try "listeners.tcp.1 = 127.0.0.1:\(port)\nlog.file.level = warning\n".write(toFile: directory.path("rabbitmq.conf"), atomically: true, encoding: .utf8)
        try "[].".write(toFile: directory.path("enabled_plugins"), atomically: true, encoding: .utf8)
        try await start()
    }

    deinit {
        stop(immediately: true)
        _ = try? ThrowawayPostgres.run([Self.epmd(), "-port", "\(epmdPort)", "-kill"], environment: environment)
    }

    static let server = "/usr/lib/rabbitmq/bin/rabbitmq-server"

    static func epmd() -> String {
        let erts = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/erlang"))?.filter { $0.hasPrefix("erts-") }.sorted().last
        return erts.map { "/usr/lib/erlang/\($0)/bin/epmd" } ?? "/usr/bin/epmd"
    }

    /// Everything the broker keeps (its cookie, data, logs, node name and ports) is the test's own.
    var environment: [String: String] {
        [
            "HOME": directory.url.path, "RABBITMQ_NODENAME": "test\(port)@localhost", "RABBITMQ_MNESIA_BASE": directory.path("mnesia"),
            "RABBITMQ_LOG_BASE": directory.path("log"), "RABBITMQ_CONFIG_FILE": directory.path("rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": directory.path("enabled_plugins"), "RABBITMQ_DIST_PORT": "\(distributionPort)",
            "ERL_EPMD_PORT": "\(epmdPort)", "RABBITMQ_PID_FILE": directory.path("broker.pid"),
        ]
    }

    /// Starts the broker (again, after ``stop(immediately:)``, on the same port and data) and
    /// waits up to 90 s for its listener.
    public func start() async throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for descriptor: Int32 in [1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, directory.path("broker.out"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
        defer { for pointer in variables { free(pointer) } }
        var argv = [strdup(Self.server), nil]
        defer { for pointer in argv { free(pointer) } }
        // The script waits on the VM with SIGCHLD: it must not inherit the test process's blocked
        // or ignored signals, or it never reaps the VM and never exits.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var started: pid_t = 0
        guard posix_spawn(&started, Self.server, &actions, &attributes, &argv, variables) == 0 else {
            throw Failure(description: "rabbitmq-server cannot be started")
        }
        lock.withLock { pid = started }
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if Self.accepts(port: port) { return }
            var status: Int32 = 0
            if waitpid(started, &status, WNOHANG) == started {
                throw Failure(description: "rabbitmq-server exited: \((try? String(contentsOfFile: directory.path("broker.out"), encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure(description: "rabbitmq-server did not listen within 90 s")
    }

    /// Stops the broker: at once (SIGKILL of the Erlang VM, as a crash) or cleanly (SIGTERM), and
    /// waits for it to exit.
    public func stop(immediately: Bool = false) {
        let started = lock.withLock { () -> pid_t in
            defer { pid = 0 }
            return pid
        }
        guard started > 0 else { return }
        // The script waits on its child, the Erlang VM, which its pid file names. SIGTERM to the
        // script stops the VM cleanly; SIGKILL goes to the VM (a crash), and the script exits once
        // it has reaped it.
        let vm = (try? String(contentsOfFile: directory.path("broker.pid"), encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if immediately, let vm { kill(vm, SIGKILL) } else { kill(started, immediately ? SIGKILL : SIGTERM) }
        var status: Int32 = 0
        while waitpid(started, &status, 0) < 0, errno == EINTR {}
    }

    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, length) == 0 }
        }
    }
}
