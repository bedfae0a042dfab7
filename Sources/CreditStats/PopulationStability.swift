import RealModule

/// Population stability index between a baseline (expected) and a current (actual) sample.
///
/// `PSI = Σₖ (aₖ − eₖ) · ln(aₖ / eₖ)`, where `eₖ`, `aₖ` are the shares of each sample in bin `k`.
/// Bin convention: with ``init(expected:actual:bins:)``, the edges are the baseline's values at
/// ranks ⌊k·n/B⌋ of its sorted sample (k = 1 … B−1, duplicates merged), and bin k holds values in
/// `[edgeₖ₋₁, edgeₖ)`. A share below ``floor`` (1e-4) is raised to it before the logarithm, so an
/// empty bin gives a large but finite term. Thresholds: below 0.1 stable, 0.1–0.25 moderate
/// shift, 0.25 or more significant shift. With the same edges, PSI is symmetric. Deterministic.
public struct PopulationStability: Sendable, Equatable {
    /// How much the population moved.
    public enum Status: String, Sendable, Codable {
        case stable, moderateShift, significantShift
    }

    /// The smallest share used in the logarithm.
    public static let floor = 1e-4

    /// Upper edges of the bins (the last bin is unbounded).
    public let edges: [Double]
    /// Baseline share per bin.
    public let expectedShares: [Double]
    /// Current share per bin.
    public let actualShares: [Double]
    /// Each bin's PSI term.
    public let contributions: [Double]
    /// The index.
    public let psi: Double

    /// The status by the 0.1 / 0.25 thresholds.
    public var status: Status { psi < 0.1 ? .stable : psi < 0.25 ? .moderateShift : .significantShift }

    /// PSI with `bins` quantile bins of the baseline.
    /// - Throws: ``MetricError`` for an empty sample or a non-finite value.
    public init(expected: [Double], actual: [Double], bins: Int = 10) throws(MetricError) {
        precondition(bins >= 2, "at least two bins")
        try Self.check(expected)
        try self.init(expected: expected, actual: actual, edges: Self.quantileEdges(of: expected, bins: bins))
    }

    /// PSI with the given ascending bin edges.
    /// - Throws: ``MetricError`` for an empty sample or a non-finite value.
    public init(expected: [Double], actual: [Double], edges: [Double]) throws(MetricError) {
        try Self.check(expected)
        try Self.check(actual)
        func shares(_ values: [Double]) -> [Double] {
            var counts = Array(repeating: 0, count: edges.count + 1)
            for value in values { counts[edges.firstIndex { value < $0 } ?? edges.count] += 1 }
            return counts.map { Double($0) / Double(values.count) }
        }
        self.edges = edges
        expectedShares = shares(expected)
        actualShares = shares(actual)
        contributions = Self.contributions(expectedShares, actualShares)
        psi = contributions.reduce(0, +)
    }

    /// PSI (here: a characteristic stability index) from counts per bin or category, in the same
    /// bin order for both samples.
    /// - Throws: ``MetricError/lengthMismatch(scores:labels:weights:)`` for different bin counts or
    ///   an empty sample.
    public init(expectedCounts: [Int], actualCounts: [Int]) throws(MetricError) {
        let (expectedTotal, actualTotal) = (expectedCounts.reduce(0, +), actualCounts.reduce(0, +))
        guard expectedCounts.count == actualCounts.count, expectedTotal > 0, actualTotal > 0 else {
            throw .lengthMismatch(scores: expectedCounts.count, labels: actualCounts.count, weights: nil)
        }
        edges = []
        expectedShares = expectedCounts.map { Double($0) / Double(expectedTotal) }
        actualShares = actualCounts.map { Double($0) / Double(actualTotal) }
        contributions = Self.contributions(expectedShares, actualShares)
        psi = contributions.reduce(0, +)
    }

    /// The bin edges of ``init(expected:actual:bins:)``: the sample's values at ranks ⌊k·n/B⌋,
    /// duplicates and the minimum dropped. Empty for an empty sample.
    public static func quantileEdges(of sample: [Double], bins: Int) -> [Double] {
        let sorted = sample.sorted()
        var edges: [Double] = []
        for k in 1..<max(bins, 2) where !sorted.isEmpty {
            let value = sorted[min(sorted.count - 1, sorted.count * k / bins)]
            if value > sorted[0], edges.last.map({ value > $0 }) ?? true { edges.append(value) }
        }
        return edges
    }

    /// `(aₖ − eₖ) · ln(aₖ / eₖ)` per bin, with shares floored at ``floor``.
    private static func contributions(_ expected: [Double], _ actual: [Double]) -> [Double] {
        zip(expected, actual).map { e, a in
            let (e, a) = (max(e, floor), max(a, floor))
            return (a - e) * Double.log(a / e)
        }
    }

    private static func check(_ values: [Double]) throws(MetricError) {
        guard !values.isEmpty else { throw .lengthMismatch(scores: 0, labels: 0, weights: nil) }
        if let index = values.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: index) }
    }
}
