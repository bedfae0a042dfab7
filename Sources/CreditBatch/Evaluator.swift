public import CreditEngine
import CreditCSV
import CreditSQLite

/// What `credit evaluate` reports: discrimination, accuracy and calibration of a model on
/// labelled data.
public struct EvaluationReport: Sendable, Codable {
    /// One calibration band.
    public struct Band: Sendable, Codable {
        public var lowestPD: Double
        public var highestPD: Double
        public var rows: Int
        public var defaults: Int
        public var meanPredictedPD: Double
        public var observedDefaultRate: Double
        public var jeffreysLower: Double
        public var jeffreysUpper: Double
        public var jeffreysPValue: Double
    }

    public var model: String
    public var source: String
    /// Rows scored and used; rows rejected; rows without a label (left out).
    public var rows: Int
    public var rejected: Int
    public var unlabeled: Int
    public var defaults: Int
    public var auc: Double
    /// 95% DeLong confidence interval of the AUC.
    public var aucLower: Double
    public var aucUpper: Double
    public var gini: Double
    public var ks: Double
    /// The PD at which KS is reached.
    public var ksThreshold: Double
    public var logLoss: Double
    public var brier: Double
    public var hosmerLemeshowStatistic: Double
    public var hosmerLemeshowDegreesOfFreedom: Int
    public var hosmerLemeshowPValue: Double
    public var calibration: [Band]
}

/// Evaluates a model on labelled data read through the streaming scoring pipeline, keeping only
/// the PD and label arrays in memory (16 bytes a row).
public enum Evaluator {
    /// Scores `input` with `bundle` and computes the metrics against the label column.
    /// - Parameters:
    ///   - labelColumn: the outcome column (default: the model's target column).
    ///   - eventLabel: the outcome value that marks a default (default: the model's).
    /// - Throws: ``BatchError`` for input problems, ``MetricError`` when the labels have one class.
    public static func evaluate(
        bundle: ModelBundle, input: ScoringInput, labelColumn: String? = nil, eventLabel: String? = nil, bands: Int = 10
    ) async throws -> EvaluationReport {
        let column = labelColumn ?? bundle.file.target.column
        let event = eventLabel ?? bundle.file.target.event
        var options = ScoringJobOptions(input: input, output: .csv(path: "/dev/null", rejects: "/dev/null"))
        options.keep = [column]
        let collected = Collected()
        let summary: ScoringSummary
        do {
            summary = try await ScoringJob.run(bundle: bundle, options: options, sink: { _ in ScoreSink { collected.add($0, event: event) } },
                                               progress: { _ in })
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw BatchError.csv(error)
        } catch let error as SQLiteError {
            throw BatchError.sqlite(error)
        }
        let discrimination = try DeLongAUC(scores: collected.probabilities, events: collected.events)
        let interval = discrimination.confidenceInterval()
        let ranking = try RankingMetrics(scores: collected.probabilities, events: collected.events)
        let calibration = try CalibrationReport(
            probabilities: collected.probabilities, events: collected.events, bands: min(bands, collected.probabilities.count))
        return EvaluationReport(
            model: bundle.reference, source: summary.source, rows: collected.probabilities.count, rejected: summary.rowsRejected,
            unlabeled: collected.unlabeled, defaults: collected.events.filter { $0 }.count,
            auc: discrimination.auc, aucLower: interval.lower, aucUpper: interval.upper, gini: ranking.gini, ks: ranking.ks,
            ksThreshold: ranking.ksThreshold,
            logLoss: try ProbabilityMetrics.logLoss(probabilities: collected.probabilities, events: collected.events),
            brier: try ProbabilityMetrics.brierScore(probabilities: collected.probabilities, events: collected.events),
            hosmerLemeshowStatistic: calibration.hosmerLemeshow.statistic,
            hosmerLemeshowDegreesOfFreedom: calibration.hosmerLemeshow.degreesOfFreedom,
            hosmerLemeshowPValue: calibration.hosmerLemeshow.pValue,
            calibration: calibration.bands.map { band in
                EvaluationReport.Band(
                    lowestPD: band.lowest, highestPD: band.highest, rows: band.count, defaults: band.events,
                    meanPredictedPD: band.meanPredicted, observedDefaultRate: band.observedRate,
                    jeffreysLower: band.jeffreysLower, jeffreysUpper: band.jeffreysUpper, jeffreysPValue: band.jeffreysPValue)
            })
    }

    /// PDs and labels gathered from scored rows (used from the job's own task only).
    private final class Collected {
        var probabilities: [Double] = []
        var events: [Bool] = []
        var unlabeled = 0

        func add(_ row: ScoredRow, event: String) {
            guard let label = row.kept.first, !label.isEmpty else {
                unlabeled += 1
                return
            }
            probabilities.append(row.probabilityOfDefault)
            events.append(label == event)
        }
    }
}
