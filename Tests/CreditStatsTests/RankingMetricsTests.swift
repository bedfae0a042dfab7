import CreditTestSupport
import Testing

@testable import CreditStats

@Suite("AUC, Gini and KS")
struct RankingMetricsTests {
    @Test("known answers: perfect ranking, reversed ranking, all tied")
    func knownAnswers() throws {
        let perfect = try RankingMetrics(scores: [0.9, 0.8, 0.3, 0.1], events: [true, true, false, false])
        #expect(perfect.auc == 1 && perfect.gini == 1 && perfect.ks == 1 && perfect.ksThreshold == 0.8)
        let reversed = try RankingMetrics(scores: [0.1, 0.2, 0.8, 0.9], events: [true, true, false, false])
        #expect(reversed.auc == 0 && reversed.gini == -1)
        let tied = try RankingMetrics(scores: [0.5, 0.5, 0.5, 0.5], events: [true, false, true, false])
        #expect(tied.auc == 0.5 && tied.ks == 0)
    }

    @Test("a tie between an event and a non-event counts one half")
    func tiesCountHalf() throws {
        // Pairs (event, non-event): (0.8 vs 0.5) win, (0.8 vs 0.2) win, (0.5 vs 0.5) half, (0.5 vs 0.2) win → 3.5 / 4.
        let metrics = try RankingMetrics(scores: [0.8, 0.5, 0.5, 0.2], events: [true, true, false, false])
        #expect(metrics.auc == 0.875)
    }

    @Test("AUC is invariant to monotone transforms and complements under negation")
    func invariances() throws {
        var random = SeededGenerator(seed: 99)
        var scores: [Double] = []
        var events: [Bool] = []
        for _ in 0..<500 {
            let state = random.next()
            let score = Double(state >> 40) / Double(1 << 24)
            scores.append((score * 20).rounded() / 20)
            events.append((state >> 7) % 100 < UInt64(score * 60))
        }
        let base = try RankingMetrics(scores: scores, events: events)
        let transformed = try RankingMetrics(scores: scores.map { $0 * $0 * $0 + 3 }, events: events)
        let negated = try RankingMetrics(scores: scores.map { -$0 }, events: events)
        #expect(isClose(transformed.auc, base.auc, relative: 1e-15))
        #expect(isClose(transformed.ks, base.ks, relative: 1e-15))
        #expect(isClose(negated.auc, 1 - base.auc, relative: 1e-12))
    }

    @Test("integer weights equal repeated observations")
    func weightsEqualRepetition() throws {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2]
        let events = [false, false, true, true, false, true]
        let weights = [1.0, 3, 2, 1, 2, 4]
        let weighted = try RankingMetrics(scores: scores, events: events, weights: weights)
        var repeatedScores: [Double] = []
        var repeatedEvents: [Bool] = []
        for i in scores.indices {
            for _ in 0..<Int(weights[i]) {
                repeatedScores.append(scores[i])
                repeatedEvents.append(events[i])
            }
        }
        let repeated = try RankingMetrics(scores: repeatedScores, events: repeatedEvents)
        #expect(isClose(weighted.auc, repeated.auc, relative: 1e-15))
        #expect(isClose(weighted.ks, repeated.ks, relative: 1e-15))
    }

    @Test("undefined metrics are errors, never NaN")
    func rejections() {
        #expect(throws: MetricError.singleClass) { try RankingMetrics(scores: [0.1, 0.2], events: [true, true]) }
        #expect(throws: MetricError.singleClass) { try RankingMetrics(scores: [0.1, 0.2], events: [true, false], weights: [1, 0]) }
        #expect(throws: MetricError.nonFiniteScore(index: 1)) { try RankingMetrics(scores: [0.1, .nan], events: [true, false]) }
        #expect(throws: MetricError.invalidWeight(index: 0)) { try RankingMetrics(scores: [0.1, 0.2], events: [true, false], weights: [-1, 1]) }
        #expect(throws: MetricError.lengthMismatch(scores: 2, labels: 1, weights: nil)) { try RankingMetrics(scores: [0.1, 0.2], events: [true]) }
        #expect(MetricError.singleClass.description == "only one outcome class is present, so AUC and KS are undefined")
    }
}

@Suite("Ranking metrics: radix path")
struct RadixRankingTests {
    @Test("the unweighted radix path equals the comparison-sort path (weights of one) with ties, signs and -0")
    func radixAgreesWithSortPath() throws {
        var random = SeededGenerator(seed: 42)
        func next() -> UInt64 { random.next() >> 11 }
        for size in [2, 3, 17, 1000, 65_537, 200_000] {
            let scores = (0..<size).map { index -> Double in
                switch next() % 4 {
                case 0: return Double(next() % 50) / 10 - 2.5  // heavy ties, negatives
                case 1: return index % 7 == 0 ? -0.0 : 0.0
                default: return Double(next()) / Double(1 << 53) * 1e6 - 5e5
                }
            }
            var events = (0..<size).map { _ in next() % 3 == 0 }
            events[0] = true
            events[1] = false
            let fast = try RankingMetrics(scores: scores, events: events)
            let reference = try RankingMetrics(scores: scores, events: events, weights: Array(repeating: 1, count: size))
            #expect(abs(fast.auc - reference.auc) < 1e-12, "size \(size)")
            #expect(abs(fast.ks - reference.ks) < 1e-12 && fast.ksThreshold == reference.ksThreshold, "size \(size)")
        }
    }
}
