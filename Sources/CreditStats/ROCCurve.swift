/// The ROC curve of a score (higher = more likely an event), one point per distinct score from
/// the highest down, thinned to at most `maximumPoints` for plotting (the first and last points
/// and the point of the KS statistic are always kept).
public struct ROCCurve: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        /// Scores at or above this threshold are flagged.
        public var threshold: Double
        public var falsePositiveRate: Double
        public var truePositiveRate: Double
    }

    public var points: [Point]

    /// - Throws: ``MetricError`` as ``RankingMetrics`` does.
    public init(scores: [Double], events: [Bool], maximumPoints: Int = 200) throws(MetricError) {
        guard scores.count == events.count else { throw .lengthMismatch(scores: scores.count, labels: events.count, weights: nil) }
        if let index = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: index) }
        let (keys, flags, positives, negatives) = try RadixSort.sortedByScore(scores, events)
        var all = [Point(threshold: .infinity, falsePositiveRate: 0, truePositiveRate: 0)]
        var (truePositives, falsePositives) = (0.0, 0.0)
        var position = keys.count - 1
        var best = (gap: -1.0, index: 0)
        while position >= 0 {
            let key = keys[position]
            while position >= 0, keys[position] == key {
                if flags[position] == 1 { truePositives += 1 } else { falsePositives += 1 }
                position -= 1
            }
            let point = Point(threshold: RadixSort.score(of: key), falsePositiveRate: falsePositives / negatives, truePositiveRate: truePositives / positives)
            if point.truePositiveRate - point.falsePositiveRate > best.gap { best = (point.truePositiveRate - point.falsePositiveRate, all.count) }
            all.append(point)
        }
        guard all.count > maximumPoints, maximumPoints >= 3 else {
            points = all
            return
        }
        let step = Double(all.count - 1) / Double(maximumPoints - 2)
        var kept = Set((0..<(maximumPoints - 1)).map { Int((Double($0) * step).rounded()) })
        kept.insert(all.count - 1)
        kept.insert(best.index)
        points = kept.sorted().map { all[$0] }
    }
}
