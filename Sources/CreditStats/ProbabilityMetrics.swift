import RealModule

/// Accuracy of predicted probabilities: log loss and Brier score, with scikit-learn's conventions.
public enum ProbabilityMetrics {
    /// Mean negative log-likelihood `−Σ wᵢ[yᵢ ln pᵢ + (1−yᵢ) ln(1−pᵢ)] / Σ wᵢ`, with `p` clipped to
    /// `[ε, 1−ε]`, ε = 2⁻⁵² (scikit-learn `log_loss`). O(n), deterministic.
    /// - Throws: ``MetricError`` for mismatched lengths, probabilities outside [0, 1] (reported as
    ///   non-finite scores) or invalid weights.
    public static func logLoss(probabilities: [Double], events: [Bool], weights: [Double]? = nil) throws(MetricError) -> Double {
        try validate(probabilities, events, weights)
        let epsilon = Double.ulpOfOne
        var total = 0.0
        var weightSum = 0.0
        for index in probabilities.indices {
            let p = min(max(probabilities[index], epsilon), 1 - epsilon)
            let weight = weights?[index] ?? 1
            total -= weight * (events[index] ? Double.log(p) : Double.log(onePlus: -p))
            weightSum += weight
        }
        return total / weightSum
    }

    /// Mean squared difference between probability and outcome, `Σ wᵢ(pᵢ − yᵢ)² / Σ wᵢ`
    /// (scikit-learn `brier_score_loss`). O(n), deterministic.
    /// - Throws: ``MetricError`` as ``logLoss(probabilities:events:weights:)``.
    public static func brierScore(probabilities: [Double], events: [Bool], weights: [Double]? = nil) throws(MetricError) -> Double {
        try validate(probabilities, events, weights)
        var total = 0.0
        var weightSum = 0.0
        for index in probabilities.indices {
            let difference = probabilities[index] - (events[index] ? 1 : 0)
            let weight = weights?[index] ?? 1
            total += weight * difference * difference
            weightSum += weight
        }
        return total / weightSum
    }

    static func validate(_ probabilities: [Double], _ events: [Bool], _ weights: [Double]?) throws(MetricError) {
        guard probabilities.count == events.count, weights.map({ $0.count == events.count }) ?? true, !events.isEmpty else {
            throw .lengthMismatch(scores: probabilities.count, labels: events.count, weights: weights?.count)
        }
        if let index = probabilities.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) { throw .nonFiniteScore(index: index) }
        if let weights, let index = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) { throw .invalidWeight(index: index) }
        if let weights, weights.reduce(0, +) <= 0 { throw .singleClass }
    }
}
