/// A scorecard's points in flat arrays, for scoring many applications whose bins are known.
///
/// Gives the same totals and reasons as ``Scorecard/score(bins:reasonLimit:)``, which is its
/// plain reference, without allocating per application: the points of every bin sit in one
/// array, each characteristic's best points are computed once, and the reasons are chosen into a
/// buffer the caller keeps. Integer sums: deterministic.
public struct PointsTable: Sendable {
    /// Points every application starts with.
    public let basePoints: Int
    /// Number of characteristics (bins per application).
    public let characteristicCount: Int
    /// The lowest and highest totals any application can get.
    public let totalRange: ClosedRange<Int>
    /// Bins of characteristic `c` are entries `firstBin[c] ..< firstBin[c + 1]` of `points` and
    /// `pointsLost` (its best points minus the bin's).
    private let firstBin: [Int]
    private let points: [Int]
    private let pointsLost: [Int]

    /// Reasons are ranked by one integer key, `lost << indexBits | (indexMask − characteristic)`:
    /// more points lost first, then the earlier characteristic.
    private static let indexBits = 20
    private static let indexMask = (1 << indexBits) - 1

    /// The table of `scorecard`.
    public init(_ scorecard: Scorecard) {
        precondition(scorecard.characteristics.count <= Self.indexMask, "too many characteristics")
        var firstBin = [0]
        var points: [Int] = []
        var pointsLost: [Int] = []
        var (lowest, highest) = (scorecard.basePoints, scorecard.basePoints)
        for characteristic in scorecard.characteristics {
            let best = characteristic.maxPoints
            (lowest, highest) = (lowest + (characteristic.points.min() ?? 0), highest + best)
            points.append(contentsOf: characteristic.points)
            pointsLost.append(contentsOf: characteristic.points.map { best - $0 })
            firstBin.append(points.count)
        }
        self.basePoints = scorecard.basePoints
        self.characteristicCount = scorecard.characteristics.count
        self.totalRange = lowest...highest
        self.firstBin = firstBin
        self.points = points
        self.pointsLost = pointsLost
    }

    /// The total points of row `row` of `batch` (a levels-only ``BatchScorer`` of this
    /// scorecard's linear model, whose levels are the bins), and in `reasons` up to `reasonLimit`
    /// characteristics (their positions) that lost points against their best bin: most points
    /// lost first, ties in characteristic order, none that lost nothing. `reasons` is emptied
    /// first; keep it between calls to avoid allocating.
    ///
    /// Cost: one pass over the characteristics, with `reasonLimit` compare-exchanges each. A bin
    /// outside its characteristic is a programmer error.
    public func score(row: Int, of batch: BatchScorer, reasonLimit: Int, reasons: inout [Int]) -> Int {
        precondition(batch.model.features.count == characteristicCount && row >= 0 && row < batch.count, "no such row of this scorecard")
        return batch.withLevels(ofRow: row) { bins in score(bins: bins, reasonLimit: reasonLimit, reasons: &reasons) }
    }

    private func score(bins: UnsafeBufferPointer<Int>, reasonLimit: Int, reasons: inout [Int]) -> Int {
        precondition(bins.count == characteristicCount, "one bin per characteristic is required")
        let limit = max(0, reasonLimit)
        reasons.removeAll(keepingCapacity: true)
        reasons.append(contentsOf: repeatElement(0, count: limit))
        var total = basePoints
        // The hot loop of batch scoring, on raw buffers; each bin is checked against its own range.
        firstBin.withUnsafeBufferPointer { firstBin in
            points.withUnsafeBufferPointer { points in
                pointsLost.withUnsafeBufferPointer { pointsLost in
                    reasons.withUnsafeMutableBufferPointer { keys in
                        for characteristic in 0..<characteristicCount {
                            let start = firstBin[characteristic]
                            let bin = bins[characteristic]
                            precondition(UInt(bitPattern: bin) < UInt(firstBin[characteristic + 1] - start), "bin out of range")
                            total += points[start + bin]
                            // Keep the `limit` largest keys in descending order with one
                            // compare-exchange pass (no branches: which characteristics lose
                            // most is unpredictable). A key that lost nothing is below
                            // 1 << indexBits and is dropped at the end.
                            var key = (pointsLost[start + bin] << Self.indexBits) | (Self.indexMask - characteristic)
                            for position in 0..<limit {
                                let kept = keys[position]
                                keys[position] = Swift.max(kept, key)
                                key = Swift.min(kept, key)
                            }
                        }
                    }
                }
            }
        }
        let lostNothing = 1 << Self.indexBits
        while let last = reasons.last, last < lostNothing { reasons.removeLast() }
        for position in reasons.indices { reasons[position] = Self.indexMask - (reasons[position] & Self.indexMask) }
        return total
    }
}
