import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit fit`: fit a logistic-regression model or a scorecard on a CSV file and write a model file.
struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a logistic-regression model (IRLS) or, with --scorecard, a points scorecard; write a versioned model file.",
        discussion: """
            Columns other than the target, the weight and --exclude are features. A column whose \
            first value is a number is numeric; others, and those in --categorical, are one-hot \
            encoded against their first level in byte order. With --scorecard every feature is \
            binned for weight of evidence (the binning flags apply; empty cells are allowed), \
            weak or wrong-signed characteristics are left out, and bins get integer points.
            """
    )

    @OptionGroup var training: TrainingFileArguments
    @Flag(name: .long, help: "Fit a points scorecard on WoE-binned characteristics.") var scorecard = false
    @OptionGroup var binning: BinningArguments
    @Option(name: .long, help: "Scorecard: leave out characteristics with a lower information value.") var minIv = 0.02
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

    func run() async throws {
        let status: FitReport.Status = try await reportingErrors {
            var irls = IRLSOptions()
            (irls.l2Penalty, irls.maxIterations, irls.tolerance) = (l2, maxIterations, tolerance)
            let identity = Trainer.ModelIdentity(
                modelId: modelId, modelVersion: modelVersion,
                scaling: try ScoreScaling(baseScore: baseScore, baseOdds: baseOdds, pointsToDoubleOdds: pdo),
                fittedAt: Date.now.ISO8601Format())
            let table = try await TrainingTable.load(training.fileOptions(allowMissing: scorecard))
            let (report, file): (FitReport, ModelFile)
            if scorecard {
                var options = ScorecardOptions()
                (options.binning, options.regression, options.minInformationValue) = (try binning.options(), irls, minIv)
                let (fit, scorecardFile) = try Trainer.fitScorecard(
                    table, builder: try ScorecardBuilder(options: options), identity: identity, spec: try binning.spec())
                print(ScorecardFormatter.format(fit: fit, file: scorecardFile))
                (report, file) = (fit.regression.report, scorecardFile)
            } else {
                let (fit, modelFile) = try Trainer.fit(table, regression: try LogisticRegression(options: irls), identity: identity)
                print(CoefficientTableFormatter.format(fit: fit, file: modelFile))
                (report, file) = (fit.report, modelFile)
            }
            if report.status == .converged, report.saturatedObservations > 0 {
                printError("warning: \(report.saturatedObservations) rows are predicted with probability numerically 0 or 1 "
                    + "(|linear predictor| > 33.7); check them for outliers")
            }
            guard report.status == .converged || allowNonconverged else { return report.status }
            try file.prettyJSON().write(to: URL(fileURLWithPath: out))
            return report.status
        }
        if status != .converged {
            printError("fit \(status)" + (allowNonconverged ? " (model written: --allow-nonconverged)" : "; no model written"))
            if !allowNonconverged { throw ExitStatus.dataError }
        }
    }
}

/// Renders a scorecard as the table `credit fit --scorecard` prints.
enum ScorecardFormatter {
    static func format(fit: ScorecardFit, file: ModelFile) -> String {
        let card = fit.scorecard
        var lines = ["scorecard \(file.modelId)@\(file.modelVersion): \(card.characteristics.count) characteristics, base points \(card.basePoints)"]
        if let metrics = file.training?.metrics {
            lines.append(String(format: "training AUC %.4f  Gini %.4f  KS %.4f", metrics.auc, metrics.gini, metrics.ks))
        }
        for characteristic in card.characteristics {
            lines.append(String(format: "%@  IV %.4f  coefficient %.4f  reason %@", characteristic.name,
                                characteristic.binning.informationValue, characteristic.coefficient, characteristic.reason.code))
            for (bin, points) in zip(characteristic.binning.bins, characteristic.points) {
                lines.append("  " + bin.label.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "%6d points  (%d rows, WoE %+.4f)", points, bin.count, bin.weightOfEvidence))
            }
        }
        for (feature, reason) in fit.excluded { lines.append("left out \(feature): \(reason)") }
        return lines.joined(separator: "\n")
    }
}
