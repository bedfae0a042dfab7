import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit fit`: fit a logistic-regression model on a CSV file and write a model file.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a logistic-regression model (IRLS) and write a versioned model file.",
        discussion: """
            Columns other than the target, the weight and --exclude are features. A column whose \
            first value is a number is numeric; others, and those in --categorical, are one-hot \
            encoded against their first level in byte order. Prints the coefficient table.
            """
    )

    @Option(name: .long, help: "Training CSV file.") var data: String
    @Option(name: .long, help: "Outcome column.") var target: String
    @Option(name: .long, help: "Outcome value that marks a default.") var event = "1"
    @Option(name: .long, help: "Columns to leave out (comma-separated).") var exclude: ColumnList?
    @Option(name: .long, help: "Columns to treat as categorical (comma-separated).") var categorical: ColumnList?
    @Option(name: .long, help: "Column of frequency weights.") var weight: String?
    @Option(name: .long, help: "L2 penalty on coefficients (not the intercept).") var l2 = 0.0
    @Option(name: .long, help: "Maximum Newton iterations.") var maxIterations = 100
    @Option(name: .long, help: "Convergence tolerance on the Newton decrement per row.") var tolerance = 1e-12
    @Option(name: .long, help: "Model identifier (lowercase, digits, hyphens).") var modelId: String
    @Option(name: .long, help: "Model version MAJOR.MINOR.PATCH.") var modelVersion: String
    @Option(name: .long, help: "Score at the base odds.") var baseScore = 600.0
    @Option(name: .long, help: "Good:bad odds that score --base-score.") var baseOdds = 50.0
    @Option(name: .long, help: "Points to double the odds.") var pdo = 20.0
    @Option(name: .long, help: "Model file to write.") var out: String
    @Flag(name: .long, help: "Write the model even if the fit did not converge.") var allowNonconverged = false

    func run() throws {
        let written: FitReport.Status = try reportingErrors {
            var fileOptions = TrainingFileOptions(path: data, target: target)
            fileOptions.eventLabel = event
            fileOptions.excluded = Set(exclude?.names ?? [])
            fileOptions.categorical = Set(categorical?.names ?? [])
            fileOptions.weight = weight
            var irls = IRLSOptions()
            (irls.l2Penalty, irls.maxIterations, irls.tolerance) = (l2, maxIterations, tolerance)
            let identity = Trainer.ModelIdentity(
                modelId: modelId, modelVersion: modelVersion,
                scaling: try ScoreScaling(baseScore: baseScore, baseOdds: baseOdds, pointsToDoubleOdds: pdo),
                fittedAt: Date.now.ISO8601Format())
            let (fit, file) = try Trainer.fit(
                try TrainingTable.load(fileOptions), regression: try LogisticRegression(options: irls), identity: identity)
            print(CoefficientTableFormatter.format(fit: fit, file: file))
            guard fit.report.status == .converged || allowNonconverged else { return fit.report.status }
            try file.prettyJSON().write(to: URL(fileURLWithPath: out))
            return fit.report.status
        }
        if written != .converged {
            printError("fit \(written)" + (allowNonconverged ? " (model written: --allow-nonconverged)" : "; no model written"))
            if !allowNonconverged { throw ExitStatus.dataError }
        }
    }
}
