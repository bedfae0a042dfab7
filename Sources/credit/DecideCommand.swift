import ArgumentParser
import CreditBatch
import CreditCSV
import CreditEngine
import Foundation

/// `credit decide`: batch decisions with reasons.
struct DecideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Decide loan applications in a CSV file: knock-out rules, model score, bureaus, tables and cut-offs.",
        discussion: """
            Every input row gives one output row, in order, or a row in the rejects file naming its \
            line, field and reason. Input columns: `amount`, optional `tenor_months`, the date \
            (`timestamp` or `application_date`, or --as-of), the model's features, the policy's \
            inputs and each bureau's input column (a number, `no_record`, or empty when the bureau \
            gave no answer). Output: `decision, pd, score, grade, max_amount, max_tenor_months, \
            reason_1…reason_4, rule_hits`.
            """)

    @Option(name: .long, help: "Model file.") var model: String
    @Option(name: .long, help: "Policy file.") var policy: String
    @Option(name: .long, help: "Applications CSV, or - for standard input.") var data: String
    @Option(name: .long, help: "Decisions CSV, or - for standard output.") var out: String
    @Option(name: .long, help: "Rejects CSV (default: <out>.rejects.csv).") var rejects: String?
    @Option(name: .long, help: "Date column (default: timestamp, else application_date).") var dateColumn: String?
    @Option(name: .long, help: "Decide every row as of this date (YYYY-MM-DD).") var asOf: String?
    @Option(name: .long, parsing: .upToNextOption, help: "Input columns to copy to the output (comma-separated).") var keep: [String] = []
    @Option(name: .long, help: "Stop after this many rejected rows.") var maxRejects: Int?
    @Flag(name: .long, help: "Do not print the summary.") var quiet = false

    func run() throws {
        let day = try asOf.map(parseDay)
        let rejectsPath = rejects ?? (out == "-" ? "credit-decide.rejects.csv" : "\(out).rejects.csv")
        let summary = try reportingErrors {
            try DistinctFiles.check(inputs: [model, policy, data], outputs: [out, rejectsPath])
            let engine = RiskEngine(model: try ModelFileLoader.load(path: model), policy: try PolicyFileLoader.load(path: policy))
            var options = DecisionJobOptions(input: data, output: out, rejects: rejectsPath)
            options.dateColumn = dateColumn
            options.asOf = day
            options.keep = keep.flatMap { $0.split(separator: ",").map(String.init) }
            options.maxRejects = maxRejects
            return try DecisionJob.run(engine: engine, options: options)
        }
        if !quiet {
            let outcomes = ["approve", "refer", "decline"].map { name in
                "\(name) \(summary.outcomes[Decision.Outcome(rawValue: name)!] ?? 0)"
            }.joined(separator: ", ")
            printError("\(summary.engine) on \(summary.source): \(summary.rowsRead) rows read, \(summary.rowsDecided) decided "
                + "(\(outcomes)), \(summary.rowsRejected) rejected")
        }
    }
}
