import ArgumentParser
import CreditBatch
import CreditEngine

/// `credit score`: score a CSV file with a model file.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV file: probability of default and score per row, rejects explained.",
        discussion: """
            Columns are matched to model features by header name. Rows that cannot be scored go \
            to the rejects file with their line, field and reason; counts always reconcile: \
            read = scored + rejected.
            """
    )

    @Option(name: .long, help: "Model file (model.json).") var model: String
    @Option(name: .long, help: "Input CSV file, or - for standard input.") var data: String
    @Option(name: .long, help: "Output CSV file, or - for standard output.") var out: String
    @Option(name: .long, help: "Rejects CSV file (default: OUT.rejects.csv, or rejects.csv for standard output).")
    var rejects: String?
    @Option(name: .long, help: "Input columns to copy to the output (default: id if present, else the line number).")
    var keep: ColumnList?
    @Option(name: .long, help: "Stop with exit code 65 once more rows than this are rejected.") var maxRejects: Int?

    func validate() throws {
        if let maxRejects, maxRejects < 0 { throw ValidationError("--max-rejects must be >= 0") }
    }

    func run() throws {
        let summary = try reportingErrors {
            var options = ScoringJobOptions(
                input: data, output: out, rejects: rejects ?? (out == "-" ? "rejects.csv" : out + ".rejects.csv"))
            options.keep = keep?.names
            options.maxRejects = maxRejects
            return try ScoringJob.run(bundle: try ModelFileLoader.load(path: model), options: options)
        }
        printError("\(summary.source): read \(summary.rowsRead), scored \(summary.rowsScored), rejected \(summary.rowsRejected)")
    }
}
