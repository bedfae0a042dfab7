import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit evaluate`: a model's discrimination, accuracy and calibration on labelled data.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model on labelled data: AUC (DeLong 95% CI), Gini, KS, log loss, Brier, calibration.",
        discussion: """
            The data is scored through the streaming pipeline; rows that cannot be scored are \
            counted as rejected, rows with an empty label as unlabeled. The calibration table \
            has equal-count bands of predicted PD with Hosmer-Lemeshow and Jeffreys tests.
            """
    )

    @Option(name: .long, help: "Model file.") var model: String?
    @Option(name: .long, help: "Labelled CSV file, or - for standard input.") var data: String?
    @Option(name: .long, help: "A CSV that already holds scores (with --score-column): AUC, Gini and KS, and log loss and Brier when the scores are PDs; no model.") var scored: String?
    @Option(name: .long, help: "Score column of --scored (higher = riskier, e.g. a PD).") var scoreColumn: String?
    @Flag(name: .long, help: "With --scored: higher scores are safer (points).") var higherIsSafer = false
    @Option(name: .long, help: "Labelled SQLite database (with --table).") var fromSqlite: String?
    @Option(name: .long, help: "SQLite table.") var table: String?
    @Option(name: .long, help: "Outcome column (default: the model's target column).") var target: String?
    @Option(name: .long, help: "Outcome value that marks a default (default: the model's).") var event: String?
    @Option(name: .long, help: "Calibration bands.") var bands = 10
    @Option(name: .long, help: "Write the report as JSON to this file.") var json: String?

    func validate() throws {
        if scored != nil {
            guard scoreColumn != nil, target != nil, event != nil, model == nil else {
                throw ValidationError("--scored needs --score-column, --target and --event, and no --model")
            }
            return
        }
        guard model != nil else { throw ValidationError("give --model (or --scored)") }
        guard (data == nil) != (fromSqlite == nil) else { throw ValidationError("give exactly one of --data and --from-sqlite") }
        if fromSqlite != nil, table == nil { throw ValidationError("--from-sqlite needs --table") }
        if bands < 3 { throw ValidationError("--bands must be at least 3") }
    }

    func run() async throws {
        if let scored, let scoreColumn, let target, let event {
            let result = try await reportingErrors {
                try await ScoredFileEvaluator.evaluate(
                    path: scored, scoreColumn: scoreColumn, targetColumn: target, event: event, higherIsSafer: higherIsSafer)
            }
            if let json { try writeJSON(result, to: json) }
            print(String(format: "%@ (%@): %d rows, %d defaults, %d unlabeled: AUC %.6f  Gini %.6f  KS %.6f at %.6g",
                         result.source as NSString, result.scoreColumn as NSString, result.rows, result.defaults, result.unlabeled,
                         result.auc, result.gini, result.ks, result.ksThreshold))
            if let logLoss = result.logLoss, let brier = result.brier { print(String(format: "log loss %.6f  Brier %.6f", logLoss, brier)) }
            return
        }
        let model = model ?? ""
        let input: ScoringInput = fromSqlite.map { .sqlite(path: $0, table: table ?? "") } ?? .csv(path: data ?? "-")
        let report = try await reportingErrors {
            let report = try await Evaluator.evaluate(
                bundle: try ModelFileLoader.load(path: model), input: input, labelColumn: target, eventLabel: event, bands: bands)
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            }
            return report
        }
        print(EvaluationFormatter.format(report))
    }
}

/// Renders an evaluation report as text.
enum EvaluationFormatter {
    static func format(_ r: EvaluationReport) -> String {
        var lines = [
            "\(r.model) on \(r.source): \(r.rows) rows, \(r.defaults) defaults (\(r.rejected) rejected, \(r.unlabeled) unlabeled)",
            String(format: "AUC %.4f (95%% CI %.4f–%.4f)  Gini %.4f  KS %.4f at PD %.4f", r.auc, r.aucLower, r.aucUpper, r.gini, r.ks, r.ksThreshold),
            String(format: "log loss %.5f  Brier %.5f  Hosmer-Lemeshow %.3f (df %d, p %.4g)", r.logLoss, r.brier,
                   r.hosmerLemeshowStatistic, r.hosmerLemeshowDegreesOfFreedom, r.hosmerLemeshowPValue),
            "",
            "  PD band               rows  defaults  mean PD  observed  Jeffreys 95%        p(PD too low)",
        ]
        for band in r.calibration {
            lines.append(String(format: "  %.4f–%.4f  %8d  %8d  %7.4f  %8.4f  %.4f–%.4f  %10.4g", band.lowestPD, band.highestPD, band.rows,
                                band.defaults, band.meanPredictedPD, band.observedDefaultRate, band.jeffreysLower, band.jeffreysUpper, band.jeffreysPValue))
        }
        return lines.joined(separator: "\n")
    }
}
