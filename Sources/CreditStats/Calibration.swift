/// Predicted against observed default rates, by band of predicted PD, with the Hosmer-Lemeshow
/// test and per-band Jeffreys intervals and tests.
///
/// Bands: rows sorted by predicted PD and cut into `bands` groups of equal size (the first
/// `n mod bands` groups one larger); ties may straddle a cut, so the grouping is by rank.
/// Hosmer-Lemeshow: `H = Σ_g (O_g − E_g)² / (E_g (1 − E_g / n_g))`, compared with χ² on
/// `bands − 2` degrees of freedom. Jeffreys (as in the ECB's PD back-testing): with `x` defaults
/// in `n` rows, the interval is the `α/2` and `1 − α/2` quantiles of Beta(x + ½, n − x + ½), and
/// the one-sided p-value that the band's PD is too low is that Beta's CDF at the mean predicted PD.
/// Deterministic.
public struct CalibrationReport: Sendable, Equatable {
    /// One band of predicted PD.
    public struct Band: Sendable, Equatable {
        /// Lowest and highest predicted PD in the band.
        public let lowest: Double
        public let highest: Double
        /// Rows and defaults.
        public let count: Int
        public let events: Int
        /// Mean predicted PD.
        public let meanPredicted: Double
        /// Observed default rate.
        public var observedRate: Double { Double(events) / Double(count) }
        /// Jeffreys interval of the default rate.
        public let jeffreysLower: Double
        public let jeffreysUpper: Double
        /// One-sided Jeffreys p-value that the mean predicted PD is too low.
        public let jeffreysPValue: Double
    }

    /// The bands, lowest PD first.
    public let bands: [Band]
    /// Hosmer-Lemeshow statistic, degrees of freedom and p-value.
    public let hosmerLemeshow: (statistic: Double, degreesOfFreedom: Int, pValue: Double)

    /// Builds the report.
    /// - Parameters:
    ///   - bands: number of equal-count bands (at least 3, at most the number of rows).
    ///   - confidence: level of the Jeffreys intervals. Default 0.95.
    /// - Throws: ``MetricError`` for mismatched lengths or probabilities outside [0, 1].
    public init(probabilities: [Double], events: [Bool], bands count: Int = 10, confidence: Double = 0.95) throws(MetricError) {
        try ProbabilityMetrics.validate(probabilities, events, nil)
        precondition(count >= 3 && count <= probabilities.count, "between 3 bands and one per row")
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var bands: [Band] = []
        var statistic = 0.0
        var start = 0
        for band in 0..<count {
            let size = probabilities.count / count + (band < probabilities.count % count ? 1 : 0)
            let members = order[start..<(start + size)]
            start += size
            let n = Double(members.count)
            let expected = members.reduce(0.0) { $0 + probabilities[$1] }
            let observed = members.reduce(0) { $0 + (events[$1] ? 1 : 0) }
            let denominator = expected * (1 - expected / n)
            if denominator > 0 { statistic += (Double(observed) - expected) * (Double(observed) - expected) / denominator }
            let a = Double(observed) + 0.5
            let b = n - Double(observed) + 0.5
            let meanPredicted = expected / n
            bands.append(Band(
                lowest: probabilities[members.first!], highest: probabilities[members.last!], count: members.count, events: observed,
                meanPredicted: meanPredicted,
                jeffreysLower: SpecialFunctions.betaQuantile((1 - confidence) / 2, a, b),
                jeffreysUpper: SpecialFunctions.betaQuantile(1 - (1 - confidence) / 2, a, b),
                jeffreysPValue: SpecialFunctions.regularizedBeta(min(max(meanPredicted, 0), 1), a, b)))
        }
        self.bands = bands
        let degrees = count - 2
        hosmerLemeshow = (statistic, degrees, SpecialFunctions.regularizedGammaQ(Double(degrees) / 2, statistic / 2))
    }

    public static func == (lhs: CalibrationReport, rhs: CalibrationReport) -> Bool {
        lhs.bands == rhs.bands && lhs.hosmerLemeshow == rhs.hosmerLemeshow
    }
}
