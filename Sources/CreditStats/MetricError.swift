/// Why a metric could not be computed. Undefined metrics are errors, never NaN in a report.
public enum MetricError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Scores, labels and weights have different lengths.
    case lengthMismatch(scores: Int, labels: Int, weights: Int?)
    /// Only one class is present (or one class has zero total weight): ranking metrics are undefined.
    case singleClass
    /// The score at this 0-based index is NaN or infinite.
    case nonFiniteScore(index: Int)
    /// The weight at this 0-based index is negative, NaN or infinite.
    case invalidWeight(index: Int)

    public var description: String {
        switch self {
        case .lengthMismatch(let scores, let labels, let weights):
            let weightText = weights.map { ", \($0) weights" } ?? ""
            return "\(scores) scores, \(labels) labels\(weightText): lengths must match"
        case .singleClass:
            return "only one outcome class is present, so AUC and KS are undefined"
        case .nonFiniteScore(let index):
            return "score at index \(index) is NaN or infinite"
        case .invalidWeight(let index):
            return "weight at index \(index) is negative, NaN or infinite"
        }
    }
}
