import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit generate`: write a seeded synthetic loan file with a known true model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded synthetic application file (id, x1…xK, default) with a known logistic model."
    )

    @Option(name: .long, help: "Rows to write.") var rows: Int
    @Option(name: .long, help: "Numeric features.") var features = 25
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 20261124
    @Option(name: .long, help: "Categorical features c1…cM with levels L0…L4 (with --model-out).") var categorical = 0
    @Option(name: .long, help: "Share of empty cells, 0 to <1 (with --model-out).") var missingRate = 0.0
    @Option(name: .long, help: "Also write the generating model as a model file (applications mode).") var modelOut: String?
    @Option(name: .long, help: "Output CSV file, or - for standard output.") var out: String

    func validate() throws {
        if rows < 0 { throw ValidationError("--rows must be >= 0") }
        if features < 1 { throw ValidationError("--features must be >= 1") }
        if !(0..<1).contains(missingRate) { throw ValidationError("--missing-rate must be in [0, 1)") }
        if modelOut == nil, categorical != 0 || missingRate != 0 {
            throw ValidationError("--categorical and --missing-rate need --model-out")
        }
    }

    func run() throws {
        if let modelOut {
            try reportingErrors {
                let file = try SyntheticFile.writeApplications(
                    rows: rows, numericCount: features, categoricalCount: categorical, missingRate: missingRate, seed: seed, path: out)
                try file.prettyJSON().write(to: URL(fileURLWithPath: modelOut))
            }
            printError("wrote \(rows) rows and the generating model")
            return
        }
        let truth = try reportingErrors {
            try SyntheticFile.write(rows: rows, featureCount: features, seed: seed, path: out)
        }
        printError("wrote \(rows) rows; true intercept \(truth.intercept), coefficients \(truth.coefficients)")
    }
}
