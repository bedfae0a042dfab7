public import CreditEngine
import CreditCSV
import CreditSQLite

/// Champion/challenger: two models on the same labelled rows.
public struct ComparisonReport: Sendable, Codable {
    public struct ModelMetrics: Sendable, Codable {
        public var model: String
        public var auc: Double
        public var aucLower: Double
        public var aucUpper: Double
        public var gini: Double
        public var ks: Double
        public var logLoss: Double
        public var brier: Double
        public var atCutoff: CutoffOutcome
    }

    /// Who moves between approve and decline at the cut-off, with the defaults in each cell.
    public struct SwapSet: Sendable, Codable {
        public var approvedByBoth: Int
        public var approvedByBothDefaults: Int
        public var declinedByBoth: Int
        public var declinedByBothDefaults: Int
        /// Approved by the first model only (swap-outs of the second), and their defaults.
        public var approvedByFirstOnly: Int
        public var approvedByFirstOnlyDefaults: Int
        public var approvedBySecondOnly: Int
        public var approvedBySecondOnlyDefaults: Int
    }

    public var source: String
    /// Rows scored by both models with a label; `excluded` = rows read − `rows` (rejected by
    /// either model, or without a label).
    public var rows: Int
    public var defaults: Int
    public var excluded: Int
    public var cutoff: Double
    public var models: [ModelMetrics]
    /// DeLong's paired test of `AUC(first) − AUC(second)`.
    public var aucDifference: Double
    public var z: Double
    public var pValue: Double
    public var swap: SwapSet
    public var fairness: [FairnessReport]?
    /// Plot data (ROC, PD histograms, calibration) when asked for.
    public var curves: [ModelCurves]?
}

/// Scores labelled data with two models through the streaming pipeline and compares them on the
/// rows both could score, keeping only row numbers, PDs and labels in memory.
public enum Comparator {
    public static func compare(
        _ first: ModelBundle, _ second: ModelBundle, input: ScoringInput, labelColumn: String? = nil, eventLabel: String? = nil,
        cutoff: Double, groupColumn: String? = nil, minimumGroupSize: Int = 30, withCurves: Bool = false
    ) async throws -> ComparisonReport {
        let column = labelColumn ?? first.file.target.column
        let event = eventLabel ?? first.file.target.event
        var collected: [Rows] = []
        var source = ""
        var rowsRead = 0
        for bundle in [first, second] {
            var options = ScoringJobOptions(input: input, output: .csv(path: "/dev/null", rejects: "/dev/null"))
            options.keep = [column] + (groupColumn.map { [$0] } ?? [])
            let rows = Rows(event: event)
            let summary: ScoringSummary
            do {
                summary = try await ScoringJob.run(bundle: bundle, options: options, sink: { _ in ScoreSink { rows.add($0) } }, progress: { _ in })
            } catch let error as CSVError {
                throw BatchError.csv(error)
            } catch let error as SQLiteError {
                throw BatchError.sqlite(error)
            }
            source = summary.source
            rowsRead = summary.rowsRead
            collected.append(rows)
        }
        // Rows arrive in input order from both runs: a merge join on the source row keeps the
        // rows both models scored that carry a label.
        var pdA: [Double] = [], pdB: [Double] = [], events: [Bool] = [], groups: [String] = []
        let (a, b) = (collected[0], collected[1])
        var (i, j) = (0, 0)
        while i < a.sourceRows.count, j < b.sourceRows.count {
            if a.sourceRows[i] < b.sourceRows[j] { i += 1; continue }
            if a.sourceRows[i] > b.sourceRows[j] { j += 1; continue }
            if a.labels[i] != 2 {
                pdA.append(a.probabilities[i])
                pdB.append(b.probabilities[j])
                events.append(a.labels[i] == 1)
                if groupColumn != nil { groups.append(a.groups[i]) }
            }
            i += 1
            j += 1
        }
        let excluded = rowsRead - events.count
        func metrics(_ bundle: ModelBundle, _ pds: [Double]) throws -> (ComparisonReport.ModelMetrics, DeLongAUC) {
            let delong = try DeLongAUC(scores: pds, events: events)
            let ranking = try RankingMetrics(scores: pds, events: events)
            let interval = delong.confidenceInterval()
            return (ComparisonReport.ModelMetrics(
                model: bundle.reference, auc: delong.auc, aucLower: interval.lower, aucUpper: interval.upper, gini: ranking.gini,
                ks: ranking.ks, logLoss: try ProbabilityMetrics.logLoss(probabilities: pds, events: events),
                brier: try ProbabilityMetrics.brierScore(probabilities: pds, events: events),
                atCutoff: CutoffOutcome.table(probabilities: pds, events: events, cutoffs: [cutoff])[0]), delong)
        }
        let (metricsA, delongA) = try metrics(first, pdA)
        let (metricsB, delongB) = try metrics(second, pdB)
        let test = try DeLongAUC.compare(delongA, delongB)
        var swap = ComparisonReport.SwapSet(
            approvedByBoth: 0, approvedByBothDefaults: 0, declinedByBoth: 0, declinedByBothDefaults: 0, approvedByFirstOnly: 0,
            approvedByFirstOnlyDefaults: 0, approvedBySecondOnly: 0, approvedBySecondOnlyDefaults: 0)
        for index in events.indices {
            let bad = events[index] ? 1 : 0
            switch (pdA[index] <= cutoff, pdB[index] <= cutoff) {
            case (true, true): swap.approvedByBoth += 1; swap.approvedByBothDefaults += bad
            case (false, false): swap.declinedByBoth += 1; swap.declinedByBothDefaults += bad
            case (true, false): swap.approvedByFirstOnly += 1; swap.approvedByFirstOnlyDefaults += bad
            case (false, true): swap.approvedBySecondOnly += 1; swap.approvedBySecondOnlyDefaults += bad
            }
        }
        let fairness = groupColumn.map { _ in
            [FairnessReport(probabilities: pdA, groups: groups, cutoff: cutoff, minimumSize: minimumGroupSize),
             FairnessReport(probabilities: pdB, groups: groups, cutoff: cutoff, minimumSize: minimumGroupSize)]
        }
        return ComparisonReport(
            source: source, rows: events.count, defaults: events.filter { $0 }.count, excluded: excluded, cutoff: cutoff,
            models: [metricsA, metricsB], aucDifference: test.difference, z: test.z, pValue: test.pValue, swap: swap, fairness: fairness,
            curves: withCurves
                ? [try ModelCurves(model: first.reference, probabilities: pdA, events: events),
                   try ModelCurves(model: second.reference, probabilities: pdB, events: events)] : nil)
    }

    /// Scored rows in input order: source row, PD, label (1 default, 0 not, 2 none) and group
    /// (used from the job's own task only).
    private final class Rows {
        let event: String
        var sourceRows: [Int] = []
        var probabilities: [Double] = []
        var labels: [UInt8] = []
        var groups: [String] = []

        init(event: String) { self.event = event }

        func add(_ row: ScoredRow) {
            sourceRows.append(row.sourceRow)
            probabilities.append(row.probabilityOfDefault)
            let label = row.kept.first ?? ""
            labels.append(label.isEmpty ? 2 : label == event ? 1 : 0)
            if row.kept.count > 1 { groups.append(row.kept[1]) }
        }
    }
}
