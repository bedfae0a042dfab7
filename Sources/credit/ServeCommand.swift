import ArgumentParser
import CreditBatch
import CreditEngine
import CreditServer
import CreditStore
import Foundation
import Logging
import Metrics
import Prometheus

/// `credit serve`: the HTTP score service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /api/v1/scores for the Loan service: decisions stored in an append-only, hash-chained audit trail.",
        discussion: """
            The configuration (JSON) names the bind address, the model and policy files, the store \
            (a SQLite file, or a postgresql:// URL for several replicas), the store key (file or \
            environment variable) and the API keys (SHA-256 and role). \
            Logs are JSON lines on standard error; "listening on HOST:PORT" is printed on standard \
            output once the socket is bound. SIGTERM or SIGINT stops accepting and finishes in-flight \
            requests. See README.md for the API.
            """)

    @Option(name: .long, help: "Server configuration file (JSON).") var config: String
    @Flag(name: .long, help: "Check the configuration, model and policy, print what would be served, and exit (before a rollout).")
    var check = false

    func run() async throws {
        let configuration: ServerConfiguration
        do { configuration = try ServerConfiguration.load(path: config) } catch {
            printError("\(error)")
            throw ExitStatus.dataError
        }
        if check {
            let engine = try reportingErrors {
                RiskEngine(model: try ModelFileLoader.load(path: configuration.model), policy: try PolicyFileLoader.load(path: configuration.policy))
            }
            print("configuration valid: \(engine.reference) on \(configuration.host):\(configuration.port), \((configuration.apiKeys ?? []).count) API keys")
            return
        }
        let level = Logger.Level(rawValue: configuration.logLevel ?? "info") ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ScoreServer.metricsFactory(registry: registry))
        let logger = Logger(label: "credit.serve")
        do {
            try await ScoreServer.run(configuration: configuration, registry: registry, logger: logger) { port in
                FileHandle.standardOutput.write(Data("listening on \(configuration.host):\(port)\n".utf8))
            }
        } catch {
            printError("\(error)")
            throw ExitStatus.dataError
        }
    }
}

/// `--key-file` or `--key-environment`: where a store command reads the store key.
struct StoreKeyOptions: ParsableArguments {
    @Option(name: .long, help: "File with the store key (base64).") var keyFile: String?
    @Option(name: .long, help: "Environment variable with the store key.") var keyEnvironment: String?

    /// The store secret, read through the one key reader (``SecretText``).
    func secret() throws -> StoreSecret {
        try StoreSecret(base64: try SecretText.read(file: keyFile, environment: keyEnvironment, what: "store key"))
    }
}

/// `--store` and, for a PostgreSQL URL without a password, where the password is.
struct StoreLocationOptions: ParsableArguments {
    @Option(name: .long, help: "The store: a SQLite file, or a postgresql://user@host:port/database URL.") var store: String
    @Option(name: .long, help: "File with the PostgreSQL password (else the URL's, else $PGPASSWORD).") var passwordFile: String?
    @Option(name: .long, help: "Environment variable with the PostgreSQL password.") var passwordEnvironment: String?

    /// Where the store is, the password read through the one key reader (``SecretText``).
    func location() throws -> StoreLocation {
        guard StoreLocation.isPostgresURL(store) else { return .sqlite(path: store) }
        var password: String?
        if passwordFile != nil || passwordEnvironment != nil {
            password = try SecretText.read(file: passwordFile, environment: passwordEnvironment, what: "store password")
                .trimmingCharacters(in: .newlines)
        } else {
            password = ProcessInfo.processInfo.environment["PGPASSWORD"]
        }
        return try StoreLocation.parse(store, password: password)
    }
}

/// `credit audit`: verify the decision store's hash chains.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify the decision store's audit trail.", subcommands: [Verify.self, Prove.self, Keygen.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every row of credit_scores and risk_evaluations against its hash chain, the authenticated head and the schema.",
            discussion: """
                Reports every bad row (the first 20 per chain; all with --json): edited, deleted, swapped or \
                truncated rows, values of the wrong type, stored responses that differ from what the chain \
                recorded, and missing or altered append-only triggers. With --checkpoints and \
                --checkpoint-public-key, a store that is behind the latest signed checkpoint (rolled back, an \
                older copy, wiped) or forked from it is caught too. Exits 65 when any problem is found.
                """)

        @OptionGroup var store: StoreLocationOptions
        @OptionGroup var key: StoreKeyOptions
        @Option(name: .long, help: "The service's checkpoint log (JSON lines).") var checkpoints: String?
        @Option(name: .long, help: "The checkpoint public key (base64, from credit audit keygen), or a file holding it.")
        var checkpointPublicKey: String?
        @Flag(name: .long, help: "Print the reports as JSON, every problem included.") var json = false

        func validate() throws {
            if (checkpoints == nil) != (checkpointPublicKey == nil) {
                throw ValidationError("--checkpoints and --checkpoint-public-key go together")
            }
        }

        func run() async throws {
            let (reports, logProblems) = try await reportingErrors {
                let secret = try key.secret()
                var latest: [String: Checkpoint] = [:]
                var logProblems: [String] = []
                if let checkpoints, let checkpointPublicKey {
                    let key = (try? String(contentsOfFile: checkpointPublicKey, encoding: .utf8)) ?? checkpointPublicKey
                    (latest, logProblems) = try CheckpointLog.latest(path: checkpoints, publicKey: key)
                }
                switch try store.location() {
                case .sqlite(let path): return (try AuditChain.verify(path: path, secret: secret, checkpoints: latest), logProblems)
                case .postgres(let configuration):
                    let store = try await PostgresDecisionStore.connect(configuration, secret: secret)
                    defer { store.close() }
                    return (try await store.verify(checkpoints: latest), logProblems)
                }
            }
            if json {
                let object: [[String: Any]] = reports.map { report in
                    ["table": report.table, "rows": report.rows, "head": report.headHash,
                     "problems": report.problems.map { ["seq": $0.seq, "problem": $0.problem] as [String: Any] }]
                }
                let data = try JSONSerialization.data(withJSONObject: ["chains": object, "checkpointLog": logProblems], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for problem in logProblems { print(problem) }
                for report in reports { print(report) }
            }
            if !logProblems.isEmpty || reports.contains(where: { !$0.problems.isEmpty }) { throw ExitStatus.dataError }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Merkle inclusion proof (RFC 6962) of one decision in the credit_scores chain, as JSON.",
            discussion: """
                The store is verified first; a store with any problem gives no proof (exit 65). The proof holds \
                the row's hash, its leaf index, the tree size, the audit path and the Merkle root: an auditor who \
                pinned the root (printed by an earlier proof, or kept with a checkpoint) checks that the decision \
                is in the trail with the few lines of Python in README.md, without the database.
                """)

        @OptionGroup var store: StoreLocationOptions
        @OptionGroup var key: StoreKeyOptions
        @Option(name: .long, help: "The decision's score id.") var scoreId: String
        @Option(name: .long, help: "Prove against the tree of the first N rows (default: every row).") var treeSize: Int?

        func run() async throws {
            let proof = try await reportingErrors {
                let secret = try key.secret()
                switch try store.location() {
                case .sqlite(let path): return try AuditChain.prove(path: path, secret: secret, scoreId: scoreId, treeSize: treeSize)
                case .postgres(let configuration):
                    let store = try await PostgresDecisionStore.connect(configuration, secret: secret)
                    defer { store.close() }
                    return try await store.prove(scoreId: scoreId, treeSize: treeSize)
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(proof), as: UTF8.self))
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key pair for signing checkpoints: the private key to a file (mode 0600), the public key printed.",
            discussion: "Give the private key to the service (checkpointKeyFile) and the public key to the auditors.")

        @Option(name: .long, help: "File to write the private key to (must not exist).") var out: String

        func run() throws {
            let (privateKey, publicKey) = CheckpointSigner.generate()
            guard FileManager.default.createFile(atPath: out, contents: Data((privateKey + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else {
                printError("cannot create \(out)")
                throw ExitStatus.cannotCreate
            }
            print(publicKey)
        }

        func validate() throws {
            if FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) exists; keys are never overwritten") }
        }
    }
}

/// `credit store`: maintenance of the decision store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Maintain the decision store.", subcommands: [Migrate.self, Erase.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade a PostgreSQL decision store's schema, and grant the service's role what it needs.",
            discussion: """
                Run as the schema's owner (the role that creates tables); the service connects as another role. \
                Applies the migrations the database lacks, each in one transaction, recorded in \
                schema_migrations; safe to run twice or from two places at once. With --service-role, that \
                role gets SELECT and INSERT on the store's tables and UPDATE on audit_head only: no UPDATE or \
                DELETE of a decision, no TRUNCATE, no DDL. A SQLite store migrates itself when opened.
                """)

        @OptionGroup var store: StoreLocationOptions
        @Option(name: .long, help: "The role the service connects as, granted INSERT and SELECT only.") var serviceRole: String?

        func run() async throws {
            let (from, to) = try await reportingErrors {
                guard case .postgres(let configuration) = try store.location() else {
                    throw StoreError.invalidLocation("credit store migrate takes a postgresql:// URL; a SQLite store migrates itself when opened")
                }
                // Migrations need no store key: they write no row.
                let store = try await PostgresDecisionStore.connect(configuration, secret: try StoreSecret(base64: Data(count: 32).base64EncodedString()))
                defer { store.close() }
                return try await store.migrate(serviceRole: serviceRole)
            }
            print(from == to ? "schema at version \(to): nothing to do" : "schema migrated from version \(from) to \(to)")
            if let serviceRole { print("granted \(serviceRole) SELECT and INSERT on the store's tables, UPDATE on audit_head") }
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase one person's stored inputs (crypto-shredding), recording who asked and why in the audit trail.",
            discussion: """
                Destroys the person's data key, so the inputs of every decision of theirs can never be decrypted \
                again (UU PDP No. 27/2022, the right to erasure). The decisions, their hashes and the answers \
                stay: credit audit verify still passes and credit replay reports them as erased. The erasure \
                is a row of the chained erasures table (and a signed checkpoint when the service writes \
                them). Uses the service's configuration for the store, its key and the checkpoint log; safe \
                to run while the service runs. Exits 65 when some of the person's decisions were stored \
                before per-person keys (those inputs cannot be erased one person at a time).
                """)

        @Option(name: .long, help: "The service's configuration file (JSON): store, store key, checkpoint log and key.") var config: String
        @Option(name: .long, help: "The person whose inputs are erased (their user_id).") var userId: String
        @Option(name: .long, help: "Who asked (an operator or a ticket system id).") var requestedBy: String
        @Option(name: .long, help: "Why (for example the data subject request's reference); no personal data.") var reason: String

        func run() throws {
            let report = try reportingErrors {
                try Erasure.run(configuration: try ServerConfiguration.load(path: config), userId: userId, requestedBy: requestedBy, reason: reason)
            }
            print("erasure \(report.seq) recorded: the inputs of \(report.decisions) decisions can no longer be decrypted")
            if !report.filesOverwritten {
                printError("warning: another connection held the write-ahead log; the destroyed key's bytes leave it at the next checkpoint")
            }
            if report.decisionsUnderStoreKey > 0 {
                printError("\(report.decisionsUnderStoreKey) decisions of this person were stored before per-person keys; "
                    + "their inputs are under the store key and cannot be erased one person at a time")
                throw ExitStatus.dataError
            }
        }
    }
}

/// `credit replay`: re-evaluate stored decisions with their pinned versions.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-evaluate the stored decisions made with this model and policy and confirm identical outputs.",
        discussion: """
            Decisions made with other versions (by content digest) are counted and skipped; decisions whose \
            inputs were erased (credit store erase) are reported as erased. Exits 65 if any replay differs \
            or any stored input cannot be decrypted.
            """)

    @OptionGroup var store: StoreLocationOptions
    @OptionGroup var key: StoreKeyOptions
    @Option(name: .long, help: "Model file the decisions were made with.") var model: String
    @Option(name: .long, help: "Policy file the decisions were made with.") var policy: String

    func run() async throws {
        let report = try await reportingErrors {
            let secret = try key.secret()
            let engine = RiskEngine(model: try ModelFileLoader.load(path: model), policy: try PolicyFileLoader.load(path: policy))
            return try await Replay.run(store: try await store.location().open(secret: secret), engine: engine)
        }
        for (id, problem) in report.differing { print("DIFFERS \(id): \(problem)") }
        for (id, problem) in report.undecryptable { print("UNDECRYPTABLE \(id): \(problem)") }
        for id in report.erased { print("ERASED \(id): the inputs were erased at the person's request") }
        print("\(report.identical) identical, \(report.differing.count) differing, \(report.undecryptable.count) undecryptable, "
            + "\(report.erased.count) erased, \(report.otherVersions) made with other versions")
        if !report.differing.isEmpty || !report.undecryptable.isEmpty { throw ExitStatus.dataError }
    }
}
