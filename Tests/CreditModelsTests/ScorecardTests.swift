import CreditCore
import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

/// A seeded training set: two informative numeric features, one categorical, with missing cells.
private func scorecardData(count: Int = 3_000) -> TrainingData {
    var random = SplitMix64(seed: 11)
    var income: [Double] = []
    var utilization: [Double] = []
    var region: [String] = []
    var events: [Bool] = []
    for index in 0..<count {
        let a = (random.nextUnit() * 20).rounded()
        let b = (random.nextUnit() * 100).rounded()
        let r = ["north", "south", "east"][Int(random.nextUnit() * 3)]
        let eta = -1.5 - 0.12 * a + 0.025 * b + (r == "east" ? 0.6 : 0)
        income.append(index % 30 == 0 ? .nan : a)
        utilization.append(b)
        region.append(index % 45 == 0 ? "" : r)
        events.append(random.nextUnit() < 1 / (1 + exp(-eta)))
    }
    return TrainingData(
        features: [.init(name: "income", values: .numeric(income)), .init(name: "utilization", values: .numeric(utilization)),
                   .init(name: "region", values: .categorical(region))],
        events: events)
}

@Suite("Scorecards")
struct ScorecardTests {
    private func build() throws -> ScorecardFit {
        try ScorecardBuilder().fit(scorecardData(), scaling: ScoreScaling(baseScore: 600, baseOdds: 50, pointsToDoubleOdds: 20))
    }

    @Test("total = base + Σ bin points, and PD follows from the total")
    func totals() throws {
        let fit = try build()
        let card = fit.scorecard
        #expect(card.characteristics.map(\.name) == ["income", "utilization", "region"])
        let result = try card.score([.number(3), .number(80), .category("east")])
        #expect(result.totalPoints == card.basePoints + result.characteristicPoints.reduce(0, +))
        let eta = (600 - 20 / log(2.0) * log(50.0) - Double(result.totalPoints)) / (20 / log(2.0))
        #expect(isClose(result.probabilityOfDefault, 1 / (1 + exp(-eta)), relative: 1e-12))
        #expect(fit.regression.report.status == .converged)
    }

    @Test("points rise with WoE: safer bins never earn fewer points")
    func pointsFollowRisk() throws {
        for characteristic in try build().scorecard.characteristics {
            let pairs = zip(characteristic.binning.bins, characteristic.points).filter { $0.0.count > 0 }.sorted { $0.0.weightOfEvidence < $1.0.weightOfEvidence }
            #expect(zip(pairs, pairs.dropFirst()).allSatisfy { $0.1 <= $1.1 }, "\(characteristic.name)")
            #expect(characteristic.coefficient < 0)
        }
    }

    @Test("reasons: scored characteristics, at most N, no duplicates, most points lost first", arguments: [0, 1, 2, 4])
    func reasons(limit: Int) throws {
        let card = try build().scorecard
        for values: [FeatureValue] in [
            [.number(0), .number(99), .category("east")], [.number(19), .number(0), .category("north")],
            [.missing, .number(50), .missing], [.number(5), .number(70), .category("south")],
        ] {
            let result = try card.score(values, reasonLimit: limit)
            #expect(result.reasons.count <= limit)
            #expect(Set(result.reasons.map(\.code)).count == result.reasons.count)
            let lost = result.reasons.map { reason in
                let index = card.characteristics.firstIndex { $0.reason == reason }!
                return card.characteristics[index].maxPoints - result.characteristicPoints[index]
            }
            #expect(lost.allSatisfy { $0 > 0 })
            #expect(zip(lost, lost.dropFirst()).allSatisfy { $0 >= $1 })
        }
        let best = try card.score(card.characteristics.map { characteristic in
            let bin = characteristic.binning.bins[characteristic.points.firstIndex(of: characteristic.maxPoints)!]
            switch bin.values {
            case .interval(let lower, _): return .number(lower ?? -1)
            case .categories(let labels): return .category(labels[0])
            case .missing: return .missing
            case .special(let values): return .number(values[0])
            case .specialCategories(let labels): return .category(labels[0])
            }
        })
        #expect(best.reasons.isEmpty)
        #expect(ReasonCode.standard(for: "income").code == "INCOME")
        #expect(ReasonCode.standard(for: "income").indonesian == "Nilai income menurunkan skor")
    }

    @Test("the points table gives the reference total and reasons for random bins, ties included", arguments: [0, 1, 2, 4, 12, 20])
    func pointsTableMatchesReference(limit: Int) throws {
        // Twelve characteristics with points in 0…4, so that many lose the same number of points.
        let base = try build().scorecard
        var random = SplitMix64(seed: 7)
        var card = base
        card.characteristics = (0..<12).map { index in
            var characteristic = base.characteristics[index % base.characteristics.count]
            characteristic.binning.name = "f\(index)"
            characteristic.points = characteristic.points.map { _ in Int(random.nextUnit() * 5) }
            characteristic.reason = ReasonCode(code: "F\(index)", english: "f\(index)", indonesian: "f\(index)")
            return characteristic
        }
        let table = PointsTable(card)
        var batch = BatchScorer(levelsOf: try card.linearModel(), capacity: 64)
        var expected: [ScorecardResult] = []
        for _ in 0..<64 {
            let bins = card.characteristics.map { Int(random.nextUnit() * Double($0.points.count)) }
            expected.append(card.score(bins: bins, reasonLimit: limit))
            batch.startRow()
            for (feature, bin) in bins.enumerated() { batch.setLevel(bin, feature: feature) }
            batch.finishRow()
        }
        var reasons: [Int] = []
        for (row, reference) in expected.enumerated() {
            #expect(table.score(row: row, of: batch, reasonLimit: limit, reasons: &reasons) == reference.totalPoints)
            #expect(reasons.map { card.characteristics[$0].reason } == reference.reasons, "row \(row)")
        }
    }

    @Test("unseen categories score as missing or are rejected, as declared")
    func unseenCategories() throws {
        var card = try build().scorecard
        let missing = try card.score([.number(5), .number(50), .missing])
        let unseen = try card.score([.number(5), .number(50), .category("west")])
        #expect(missing.totalPoints == unseen.totalPoints)
        card.characteristics[2].unseenCategoryAsMissing = false
        #expect(throws: ScoringFailure(featureIndex: 2, reason: .unknownCategory)) {
            try card.score([.number(5), .number(50), .category("west")])
        }
        #expect(throws: ScoringFailure(featureIndex: 0, reason: .notFinite)) {
            try card.score([.number(.nan), .number(50), .missing])
        }
    }

    @Test("weak features are left out, with the reason")
    func weakFeatures() throws {
        var data = scorecardData()
        var random = SplitMix64(seed: 99)
        data.features.append(.init(name: "noise", values: .numeric((0..<data.count).map { _ in random.nextUnit() })))
        var options = ScorecardOptions()
        options.minInformationValue = 0.02
        let fit = try ScorecardBuilder(options: options).fit(data, scaling: ScoreScaling())
        #expect(!fit.scorecard.characteristics.contains { $0.name == "noise" })
        #expect(fit.excluded.contains { $0.feature == "noise" })
    }
}
