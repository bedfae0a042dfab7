import ArgumentParser
import CreditBatch

/// `credit generate`: write a seeded synthetic loan file with a known true model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded synthetic application file (id, x1…xK, default) with a known logistic model."
    )

    @Option(name: .long, help: "Rows to write.") var rows: Int
    @Option(name: .long, help: "Numeric features.") var features = 25
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 20261124
    @Option(name: .long, help: "Output CSV file, or - for standard output.") var out: String

    func validate() throws {
        if rows < 0 { throw ValidationError("--rows must be >= 0") }
        if features < 1 { throw ValidationError("--features must be >= 1") }
    }

    func run() throws {
        let truth = try reportingErrors {
            try SyntheticFile.write(rows: rows, featureCount: features, seed: seed, path: out)
        }
        printError("wrote \(rows) rows; true intercept \(truth.intercept), coefficients \(truth.coefficients)")
    }
}
