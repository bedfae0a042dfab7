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
        if weights == nil {
            (auc, ks, ksThreshold) = try Self.unweighted(scores: scores, events: events)
            return
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

    /// The unweighted case in O(n): scores radix-sorted by their IEEE 754 bit patterns (mapped so
    /// unsigned order is numeric order), each carrying its event flag; then one walk from the
    /// highest score down, tie group by tie group, exactly as the weighted path does.
    private static func unweighted(scores: [Double], events: [Bool]) throws(MetricError) -> (Double, Double, Double) {
        let (keys, flags, totalEvents, totalNonEvents) = try RadixSort.sortedByScore(scores, events)
        var cumulativeEvents = 0.0
        var cumulativeNonEvents = 0.0
        var area = 0.0
        var bestGap = 0.0
        var bestThreshold = RadixSort.score(of: keys[keys.count - 1])
        var position = keys.count - 1
        while position >= 0 {
            let key = keys[position]
            var groupEvents = 0
            var groupCount = 0
            while position >= 0, keys[position] == key {
                groupEvents += Int(flags[position])
                groupCount += 1
                position -= 1
            }
            let groupNonEvents = Double(groupCount - groupEvents)
            area += groupNonEvents * (cumulativeEvents + Double(groupEvents) / 2)
            cumulativeEvents += Double(groupEvents)
            cumulativeNonEvents += groupNonEvents
            let gap = abs(cumulativeEvents / totalEvents - cumulativeNonEvents / totalNonEvents)
            if gap > bestGap {
                bestGap = gap
                bestThreshold = RadixSort.score(of: key)
            }
        }
        return (area / (totalEvents * totalNonEvents), bestGap, bestThreshold)
    }
}

/// LSD radix sort of 64-bit keys in four 16-bit passes, moving a one-byte payload with each key.
/// Stable, O(n), and about ten times faster than a comparison sort of indices at 10M keys. Used
/// by the ranking metrics here and by the binning of numeric features.
package enum RadixSort {
    /// A key whose unsigned order is the score's numeric order (-0.0 and 0.0 are one key).
    package static func key(_ score: Double) -> UInt64 {
        let bits = (score == 0 ? 0.0 : score).bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// Scores as ascending keys with their event flags (1 = event), and the event and non-event
    /// counts.
    /// - Throws: ``MetricError/singleClass`` when either count is zero.
    static func sortedByScore(_ scores: [Double], _ events: [Bool]) throws(MetricError)
        -> (keys: [UInt64], flags: [UInt8], events: Double, nonEvents: Double)
    {
        var keys = scores.map(key)
        var flags = events.map { $0 ? UInt8(1) : 0 }
        sort(&keys, carrying: &flags)
        let eventCount = Double(flags.reduce(0) { $0 + Int($1) })
        let nonEventCount = Double(flags.count) - eventCount
        guard eventCount > 0, nonEventCount > 0 else { throw .singleClass }
        return (keys, flags, eventCount, nonEventCount)
    }

    /// The score of a ``key(_:)``.
    package static func score(of key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// Sorts `keys` ascending, moving `payload[i]` with `keys[i]`.
    package static func sort(_ keys: inout [UInt64], carrying payload: inout [UInt8]) {
        let count = keys.count
        guard count > 1 else { return }
        var keyBuffer = [UInt64](repeating: 0, count: count)
        var payloadBuffer = [UInt8](repeating: 0, count: count)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(pass * 16)
            for index in counts.indices { counts[index] = 0 }
            keys.withUnsafeBufferPointer { source in
                counts.withUnsafeMutableBufferPointer { counts in
                    for key in source { counts[Int((key >> shift) & 0xFFFF)] += 1 }
                }
            }
            // Skip a pass whose digit is the same for every key.
            if counts.contains(count) { continue }
            var offset = 0
            for index in counts.indices {
                let bucket = counts[index]
                counts[index] = offset
                offset += bucket
            }
            keys.withUnsafeBufferPointer { source in
                payload.withUnsafeBufferPointer { sourcePayload in
                    keyBuffer.withUnsafeMutableBufferPointer { target in
                        payloadBuffer.withUnsafeMutableBufferPointer { targetPayload in
                            counts.withUnsafeMutableBufferPointer { counts in
                                for index in 0..<count {
                                    let key = source[index]
                                    let digit = Int((key >> shift) & 0xFFFF)
                                    let destination = counts[digit]
                                    counts[digit] = destination + 1
                                    target[destination] = key
                                    targetPayload[destination] = sourcePayload[index]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &keyBuffer)
            swap(&payload, &payloadBuffer)
        }
    }
}
