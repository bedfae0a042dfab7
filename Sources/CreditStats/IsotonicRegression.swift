/// Weighted isotonic (monotone) regression by pool-adjacent-violators, as scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip")`: ties in `x` are pooled first (weighted mean of
/// their `y`), then adjacent blocks that break monotonicity are merged until none does.
public struct IsotonicRegression: Sendable, Equatable {
    /// Breakpoints `(x, fitted y)`, sorted by `x`; between them the fit is linear, beyond them
    /// constant. Points inside a run of equal fitted values are dropped (the fit is unchanged).
    public let points: [(x: Double, y: Double)]

    public static func == (a: IsotonicRegression, b: IsotonicRegression) -> Bool {
        a.points.count == b.points.count && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }

    /// Fits `y` against `x`, increasing or decreasing.
    /// - Throws: ``MetricError/lengthMismatch(scores:labels:weights:)``, a non-finite `x` or `y`
    ///   as ``MetricError/nonFiniteScore(index:)``, a bad weight as
    ///   ``MetricError/invalidWeight(index:)``; an empty input as ``MetricError/singleClass``.
    public init(x: [Double], y: [Double], weights: [Double]? = nil, increasing: Bool) throws(MetricError) {
        guard x.count == y.count, weights.map({ $0.count == x.count }) ?? true else {
            throw .lengthMismatch(scores: x.count, labels: y.count, weights: weights?.count)
        }
        for index in x.indices where !x[index].isFinite || !y[index].isFinite { throw .nonFiniteScore(index: index) }
        if let weights {
            for (index, weight) in weights.enumerated() where !(weight.isFinite && weight >= 0) { throw .invalidWeight(index: index) }
        }
        let order = x.indices.sorted { x[$0] < x[$1] }
        // Ties in x pool first: one (x, sum w*y, sum w) per distinct x, as scikit-learn does.
        var unique: [(x: Double, wy: Double, w: Double)] = []
        for index in order {
            let weight = weights?[index] ?? 1
            guard weight > 0 else { continue }
            let value = increasing ? y[index] : -y[index]
            if let last = unique.last, last.x == x[index] {
                unique[unique.count - 1].wy += weight * value
                unique[unique.count - 1].w += weight
            } else {
                unique.append((x[index], weight * value, weight))
            }
        }
        // Pool adjacent violators: merge while the last block's mean is below the previous one's.
        var blockX: [(first: Double, last: Double)] = []
        var sums: [(wy: Double, w: Double)] = []
        for point in unique {
            blockX.append((point.x, point.x))
            sums.append((point.wy, point.w))
            while sums.count > 1, sums[sums.count - 1].wy * sums[sums.count - 2].w < sums[sums.count - 2].wy * sums[sums.count - 1].w {
                let top = sums.removeLast()
                let topX = blockX.removeLast()
                sums[sums.count - 1].wy += top.wy
                sums[sums.count - 1].w += top.w
                blockX[blockX.count - 1].last = topX.last
            }
        }
        guard !sums.isEmpty else { throw .singleClass }
        var points: [(x: Double, y: Double)] = []
        for (range, sum) in zip(blockX, sums) {
            let mean = (increasing ? 1 : -1) * sum.wy / sum.w
            points.append((range.first, mean))
            if range.last != range.first { points.append((range.last, mean)) }
        }
        // Keep only the ends of runs with equal fitted values.
        var kept: [(x: Double, y: Double)] = []
        for (index, point) in points.enumerated() {
            let isInterior = index > 0 && index < points.count - 1 && points[index - 1].y == point.y && points[index + 1].y == point.y
            if !isInterior { kept.append(point) }
        }
        self.points = kept
    }

    /// The fitted value at `x`: linear between breakpoints, constant beyond the ends.
    public func predict(_ x: Double) -> Double {
        guard let first = points.first, let last = points.last else { return .nan }
        if x <= first.x { return first.y }
        if x >= last.x { return last.y }
        var low = 0
        var high = points.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if points[middle].x <= x { low = middle } else { high = middle }
        }
        let (a, b) = (points[low], points[high])
        return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
    }
}
