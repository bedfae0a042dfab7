public import CreditEngine
import CreditCSV
import CreditSQLite

/// Population drift of a model's score and features between a baseline and a current sample.
public struct MonitorReport: Sendable, Codable {
    public struct Stability: Sendable, Codable {
        public var name: String
        /// How the bins were made: `score deciles of the baseline`, `scorecard bins`, …
        public var bins: String
        public var psi: Double
        /// `stable` (< 0.1), `moderateShift` (< 0.25) or `significantShift`.
        public var status: PopulationStability.Status
        public var expectedShares: [Double]
        public var actualShares: [Double]
    }

    public var model: String
    public var baseline: String
    public var current: String
    /// Rows scored, and rows the model rejected (left out of the PD index and counted here). CSI
    /// counts every row with the header's number of fields; a numeric cell that is not a number
    /// falls in the feature's missing bin.
    public var baselineRows: Int
    public var currentRows: Int
    public var baselineRejected: Int
    public var currentRejected: Int
    /// PSI of the PD (baseline deciles).
    public var score: Stability
    /// CSI of each model feature, in model order.
    public var features: [Stability]
    /// The worst status of the score and the features.
    public var status: PopulationStability.Status
}

/// `credit monitor`: PSI of the score and CSI of every model feature between two CSV files.
///
/// Bins: the score's PDs in deciles of the baseline (``PopulationStability``); a scorecard
/// characteristic in the scorecard's own bins (values no bin holds count in an extra bin); a
/// numeric feature in deciles of its baseline values plus a missing bin; a categorical feature
/// by level plus a missing bin. Shares below 1e-4 are floored. Thresholds 0.1 and 0.25.
public enum Monitor {
    public static func run(bundle: ModelBundle, baseline: String, current: String, bins: Int = 10) async throws -> MonitorReport {
        let baselinePDs = try await probabilities(bundle: bundle, path: baseline)
        let currentPDs = try await probabilities(bundle: bundle, path: current)
        let score = try PopulationStability(expected: baselinePDs.values, actual: currentPDs.values, bins: bins)
        let baselineColumns = try columns(bundle: bundle, path: baseline)
        let currentColumns = try columns(bundle: bundle, path: current)
        var features: [MonitorReport.Stability] = []
        for (index, feature) in bundle.model.features.enumerated() {
            let expected = baselineColumns[index], actual = currentColumns[index]
            let stability: PopulationStability
            let convention: String
            switch feature.encoding {
            case .binned(let binning, _, _):
                func counts(_ values: [FeatureValue]) -> [Int] {
                    var counts = Array(repeating: 0, count: binning.bins.count + 1)
                    for value in values { counts[binning.binIndex(for: value) ?? binning.bins.count] += 1 }
                    return counts
                }
                stability = try PopulationStability(expectedCounts: counts(expected), actualCounts: counts(actual))
                convention = "scorecard bins (+ values in no bin)"
            case .numeric:
                let edges = PopulationStability.quantileEdges(
                    of: expected.compactMap { if case .number(let x) = $0 { x } else { nil } }, bins: bins)
                func counts(_ values: [FeatureValue]) -> [Int] {
                    var counts = Array(repeating: 0, count: edges.count + 2)
                    for value in values {
                        guard case .number(let x) = value else { counts[edges.count + 1] += 1; continue }
                        counts[edges.firstIndex { x < $0 } ?? edges.count] += 1
                    }
                    return counts
                }
                stability = try PopulationStability(expectedCounts: counts(expected), actualCounts: counts(actual))
                convention = "deciles of the baseline (+ missing)"
            case .categorical:
                var levels: [String: Int] = [:]
                for case .category(let level) in expected + actual where levels[level] == nil { levels[level] = levels.count }
                func counts(_ values: [FeatureValue]) -> [Int] {
                    var counts = Array(repeating: 0, count: levels.count + 1)
                    for value in values {
                        if case .category(let level) = value { counts[levels[level]!] += 1 } else { counts[levels.count] += 1 }
                    }
                    return counts
                }
                stability = try PopulationStability(expectedCounts: counts(expected), actualCounts: counts(actual))
                convention = "levels (+ missing)"
            }
            features.append(MonitorReport.Stability(
                name: feature.name, bins: convention, psi: stability.psi, status: stability.status,
                expectedShares: stability.expectedShares, actualShares: stability.actualShares))
        }
        let order: [PopulationStability.Status] = [.stable, .moderateShift, .significantShift]
        let worst = ([score.status] + features.map(\.status)).max { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }!
        return MonitorReport(
            model: bundle.reference, baseline: baselinePDs.source, current: currentPDs.source, baselineRows: baselinePDs.values.count,
            currentRows: currentPDs.values.count, baselineRejected: baselinePDs.rejected, currentRejected: currentPDs.rejected,
            score: .init(name: "pd", bins: "deciles of the baseline PD", psi: score.psi, status: score.status,
                         expectedShares: score.expectedShares, actualShares: score.actualShares),
            features: features, status: worst)
    }

    private static func probabilities(bundle: ModelBundle, path: String) async throws -> (source: String, values: [Double], rejected: Int) {
        let collected = PDs()
        let options = ScoringJobOptions(input: .csv(path: path), output: .csv(path: "/dev/null", rejects: "/dev/null"))
        let summary = try await ScoringJob.run(bundle: bundle, options: options, sink: { _ in ScoreSink { collected.values.append($0.probabilityOfDefault) } },
                                               progress: { _ in })
        return (summary.source, collected.values, summary.rowsRejected)
    }

    /// The model's feature columns of a CSV as values (numbers where the feature is numeric).
    private static func columns(bundle: ModelBundle, path: String) throws -> [[FeatureValue]] {
        let reader = CSVReader(source: try FileByteSource(path: path))
        let header = try HeaderIndex(reading: reader)
        let positions = try bundle.model.features.map { try header.require($0.name) }
        let numeric = bundle.model.features.map(\.isNumeric)
        var columns = Array(repeating: [FeatureValue](), count: positions.count)
        while try reader.readRecord() {
            let record = reader.record
            guard record.fieldCount == header.names.count else { continue }
            for (index, position) in positions.enumerated() {
                if record.isEmpty(at: position) {
                    columns[index].append(.missing)
                } else if numeric[index], case .value(let x) = record.number(at: position) {
                    columns[index].append(.number(x))
                } else {
                    columns[index].append(.category(record.string(at: position)))
                }
            }
        }
        return columns
    }

    private final class PDs { var values: [Double] = [] }
}
