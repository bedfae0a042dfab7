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
            The configuration (JSON) names the bind address, the model and policy files, the SQLite \
            store, the store key (file or environment variable) and the API keys (SHA-256 and role). \
            Logs are JSON lines on standard error; "listening on HOST:PORT" is printed on standard \
            output once the socket is bound. SIGTERM or SIGINT stops accepting and finishes in-flight \
            requests. See README.md for the API.
            """)

    @Option(name: .long, help: "Server configuration file (JSON).") var config: String

    func run() async throws {
        let configuration: ServerConfiguration
        do { configuration = try ServerConfiguration.load(path: config) } catch {
            printError("\(error)")
            throw ExitStatus.dataError
        }
        let level = Logger.Level(rawValue: configuration.logLevel ?? "info") ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
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

/// `credit audit`: verify the decision store's hash chains.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify the decision store's audit trail.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every row of credit_scores and risk_evaluations against its hash chain and the authenticated head.",
            discussion: "Exits with status 65 and names the first bad row of a chain when a row was edited, deleted, swapped or truncated.")

        @Option(name: .long, help: "The store (SQLite file).") var store: String
        @Option(name: .long, help: "File with the store key (base64).") var keyFile: String?
        @Option(name: .long, help: "Environment variable with the store key.") var keyEnvironment: String?

        func run() throws {
            let text: String
            if let keyFile {
                guard let contents = try? String(contentsOfFile: keyFile, encoding: .utf8) else { throw ValidationError("cannot read \(keyFile)") }
                text = contents
            } else if let keyEnvironment, let value = ProcessInfo.processInfo.environment[keyEnvironment] {
                text = value
            } else {
                throw ValidationError("give --key-file or --key-environment")
            }
            let reports = try reportingErrors { try AuditChain.verify(path: store, secret: try StoreSecret(base64: text)) }
            for report in reports { print(report) }
            if reports.contains(where: { $0.firstProblem != nil }) { throw ExitStatus.dataError }
        }
    }
}

/// `credit replay`: re-evaluate stored decisions with their pinned versions.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-evaluate the stored decisions made with this model and policy and confirm identical outputs.",
        discussion: "Decisions made with other versions (by content digest) are counted and skipped. Exits 65 if any replay differs.")

    @Option(name: .long, help: "The store (SQLite file).") var store: String
    @Option(name: .long, help: "File with the store key (base64).") var keyFile: String
    @Option(name: .long, help: "Model file the decisions were made with.") var model: String
    @Option(name: .long, help: "Policy file the decisions were made with.") var policy: String

    func run() throws {
        let report = try reportingErrors {
            let secret = try StoreSecret(base64: try String(contentsOfFile: keyFile, encoding: .utf8))
            let engine = RiskEngine(model: try ModelFileLoader.load(path: model), policy: try PolicyFileLoader.load(path: policy))
            return try Replay.run(store: try DecisionStore(path: store, secret: secret), engine: engine)
        }
        for (id, problem) in report.differing { print("DIFFERS \(id): \(problem)") }
        print("\(report.identical) identical, \(report.differing.count) differing, \(report.otherVersions) made with other versions")
        if !report.differing.isEmpty { throw ExitStatus.dataError }
    }
}
