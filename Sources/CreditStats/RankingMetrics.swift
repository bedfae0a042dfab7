/// Discrimination metrics of a score against binary outcomes: AUC, Gini and the
/// Kolmogorov-Smirnov statistic.
///
/// Higher scores must mean "more likely to be an event" (default). Tied scores are one threshold:
/// a tie between an event and a non-event counts one half in the AUC (the Mann-Whitney
/// convention of scikit-learn's `roc_auc_score`), and KS is evaluated only between distinct scores
/// (as `scipy.stats.ks_2samp`). Weights, when given, act as frequency weights.
///
/// Computation is O(n log n) for the sort plus one pass; the result is deterministic.
public struct RankingMetrics: Sendable, Equatable {
    /// Area under the ROC curve, in [0, 1].
    public let auc: Double
    /// Largest gap between the cumulative event and non-event distributions, in [0, 1].
    public let ks: Double
    /// The score at which the KS gap is largest (rows with score >= it are "flagged").
    public let ksThreshold: Double

    /// Gini coefficient (accuracy ratio), `2 * auc - 1`.
    public var gini: Double { 2 * auc - 1 }

    /// Computes AUC and KS.
    ///
    /// - Parameters:
    ///   - scores: one finite score per observation; higher means more likely an event.
    ///   - events: `true` where the observation is an event (a default).
    ///   - weights: optional non-negative frequency weights; `nil` means all 1.
    /// - Throws: ``MetricError`` for mismatched lengths, non-finite scores, invalid weights, or a
    ///   single class.
    public init(scores: [Double], events: [Bool], weights: [Double]? = nil) throws(MetricError) {
        guard scores.count == events.count, weights.map({ $0.count == scores.count }) ?? true else {
            throw .lengthMismatch(scores: scores.count, labels: events.count, weights: weights?.count)
        }
        if let index = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: index) }
        if let weights, let index = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw .invalidWeight(index: index)
        }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var totalEvents = 0.0
        var totalNonEvents = 0.0
        for i in scores.indices {
            let weight = weights?[i] ?? 1
            if events[i] { totalEvents += weight } else { totalNonEvents += weight }
        }
        guard totalEvents > 0, totalNonEvents > 0 else { throw .singleClass }

        var cumulativeEvents = 0.0
        var cumulativeNonEvents = 0.0
        var area = 0.0
        var bestGap = 0.0
        var bestThreshold = scores[order[0]]
        var position = 0
        while position < order.count {
            let score = scores[order[position]]
            var groupEvents = 0.0
            var groupNonEvents = 0.0
            while position < order.count, scores[order[position]] == score {
                let index = order[position]
                let weight = weights?[index] ?? 1
                if events[index] { groupEvents += weight } else { groupNonEvents += weight }
                position += 1
            }
            // Trapezoid over the tie group: non-events in the group see the events above them
            // plus half of the events tied with them.
            area += groupNonEvents * (cumulativeEvents + groupEvents / 2)
            cumulativeEvents += groupEvents
            cumulativeNonEvents += groupNonEvents
            let gap = abs(cumulativeEvents / totalEvents - cumulativeNonEvents / totalNonEvents)
            if gap > bestGap {
                bestGap = gap
                bestThreshold = score
            }
        }
        self.auc = area / (totalEvents * totalNonEvents)
        self.ks = bestGap
        self.ksThreshold = bestThreshold
    }
}
