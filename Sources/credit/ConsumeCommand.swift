import ArgumentParser
import CreditServer
import Foundation
import Logging
import Metrics
import Prometheus

/// `credit consume`: the queue consumer of LoanAppliedEvent messages.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Score LoanAppliedEvent messages from RabbitMQ: stored as POST /api/v1/scores stores them, each result published as a CreditScoredEvent.",
        discussion: """
            The configuration is credit serve's, with a queue section (the broker URL, the caller \
            whose idempotency namespace the events share, queue and exchange names, retry delays, \
            prefetch). A message is acknowledged after its decision is stored and its result \
            confirmed; an invalid one goes to <queue>.dlq with the reason in x-credit-error, a \
            transient failure is retried through <queue>.retry.<n>. "consuming QUEUE" is printed on \
            standard output each time the consumer (re)starts, and "listening on HOST:PORT" for \
            /health/live, /health/ready (503 while the broker or the store is down) and /metrics; \
            SIGTERM or SIGINT finishes the \
            messages in hand and exits. --replay-dlq moves dead-lettered messages back and exits.
            """)

    @Option(name: .long, help: "Server configuration file (JSON) with a queue section.") var config: String
    @Flag(name: .long, help: "Move every message of the dead-letter queue back to the queue, print how many, and exit.")
    var replayDlq = false

    func run() async throws {
        let configuration: ServerConfiguration
        do { configuration = try ServerConfiguration.load(path: config) } catch {
            printError("\(error)")
            throw ExitStatus.dataError
        }
        guard configuration.queue != nil else {
            printError("\(config): no queue section (the broker and queue to consume)")
            throw ExitStatus.dataError
        }
        let level = Logger.Level(rawValue: configuration.logLevel ?? "info") ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "credit.consume")
        do {
            if replayDlq {
                let moved = try await ScoreServer.replayDeadLetters(configuration: configuration, logger: logger)
                print("moved \(moved) messages back to the queue")
                return
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(ScoreServer.metricsFactory(registry: registry))
            let queue = configuration.queue?.queueName ?? ""
            try await ScoreServer.consume(configuration: configuration, registry: registry, logger: logger) { port in
                FileHandle.standardOutput.write(Data("listening on \(configuration.host):\(port)\n".utf8))
            } onConsuming: {
                FileHandle.standardOutput.write(Data("consuming \(queue)\n".utf8))
            }
        } catch {
            printError("\(error)")
            throw ExitStatus.dataError
        }
    }
}
