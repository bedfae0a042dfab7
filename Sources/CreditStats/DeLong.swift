/// The AUC with its DeLong variance, and DeLong's test of two correlated AUCs.
///
/// DeLong, DeLong & Clarke-Pearson (1988), "Comparing the areas under two or more correlated
/// receiver operating characteristic curves", computed with the midrank algorithm of Sun & Xu
/// (2014), O(n log n): for each event `i`, `V₁₀(i)` is the share of non-events it outranks (ties
/// half), for each non-event `j`, `V₀₁(j)` the share of events that outrank it;
/// `AUC = mean V₁₀` and `Var(AUC) = s²(V₁₀)/m + s²(V₀₁)/n` (sample variances). Higher scores
/// mean more likely an event. Unweighted. Deterministic.
public struct DeLongAUC: Sendable, Equatable {
    /// Area under the ROC curve.
    public let auc: Double
    /// DeLong variance of the AUC.
    public let variance: Double
    /// Structural components (kept for ``compare(_:_:)``).
    let eventComponents: [Double]
    let nonEventComponents: [Double]

    /// Computes the AUC and its variance.
    /// - Throws: ``MetricError`` for mismatched lengths, non-finite scores, or fewer than two
    ///   events or non-events (the variance needs two of each).
    public init(scores: [Double], events: [Bool]) throws(MetricError) {
        guard scores.count == events.count else { throw .lengthMismatch(scores: scores.count, labels: events.count, weights: nil) }
        if let index = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: index) }
        let positives = zip(scores, events).filter { $0.1 }.map(\.0)
        let negatives = zip(scores, events).filter { !$0.1 }.map(\.0)
        guard positives.count >= 2, negatives.count >= 2 else { throw .singleClass }
        let m = Double(positives.count)
        let n = Double(negatives.count)
        let combined = Self.midranks(positives + negatives)
        let positiveRanks = Self.midranks(positives)
        let negativeRanks = Self.midranks(negatives)
        eventComponents = positives.indices.map { (combined[$0] - positiveRanks[$0]) / n }
        nonEventComponents = negatives.indices.map { 1 - (combined[positives.count + $0] - negativeRanks[$0]) / m }
        auc = eventComponents.reduce(0, +) / m
        variance = Self.sampleVariance(eventComponents) / m + Self.sampleVariance(nonEventComponents) / n
    }

    /// Standard error of the AUC.
    public var standardError: Double { variance.squareRoot() }

    /// The two-sided `level` confidence interval `AUC ± z·SE`, clipped to [0, 1].
    public func confidenceInterval(level: Double = 0.95) -> (lower: Double, upper: Double) {
        let z = SpecialFunctions.normalQuantile(0.5 + level / 2)
        return (max(0, auc - z * standardError), min(1, auc + z * standardError))
    }

    /// DeLong's test that two scores of the same rows have equal AUC.
    /// - Returns: the difference `a.auc − b.auc`, its z statistic and two-sided p-value.
    /// - Throws: ``MetricError/lengthMismatch(scores:labels:weights:)`` when the two were not
    ///   computed on the same rows.
    public static func compare(_ a: DeLongAUC, _ b: DeLongAUC) throws(MetricError) -> (difference: Double, z: Double, pValue: Double) {
        guard a.eventComponents.count == b.eventComponents.count, a.nonEventComponents.count == b.nonEventComponents.count else {
            throw .lengthMismatch(scores: a.eventComponents.count + a.nonEventComponents.count,
                                  labels: b.eventComponents.count + b.nonEventComponents.count, weights: nil)
        }
        let m = Double(a.eventComponents.count)
        let n = Double(a.nonEventComponents.count)
        let covariance = covarianceOf(a.eventComponents, b.eventComponents) / m + covarianceOf(a.nonEventComponents, b.nonEventComponents) / n
        let difference = a.auc - b.auc
        let spread = (a.variance + b.variance - 2 * covariance).squareRoot()
        guard spread > 0 else { return (difference, difference == 0 ? 0 : .infinity, difference == 0 ? 1 : 0) }
        let z = difference / spread
        return (difference, z, SpecialFunctions.twoSidedNormalPValue(z))
    }

    /// Midranks (1-based; ties share their average rank).
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = Array(repeating: 0.0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    private static func sampleVariance(_ values: [Double]) -> Double { covarianceOf(values, values) }

    private static func covarianceOf(_ a: [Double], _ b: [Double]) -> Double {
        let meanA = a.reduce(0, +) / Double(a.count)
        let meanB = b.reduce(0, +) / Double(b.count)
        var sum = 0.0
        for index in a.indices { sum += (a[index] - meanA) * (b[index] - meanB) }
        return sum / Double(a.count - 1)
    }
}
