import CreditTestSupport
import Foundation
import Testing

@testable import CreditStats

/// The reference fixture (scikit-learn, scipy; see its provenance).
private func fixture() throws -> Fixture {
    try Fixture(url: Bundle.module.url(forResource: "metrics", withExtension: "json", subdirectory: "Fixtures"))
}

private func close(_ actual: Double, _ expected: Double) -> Bool {
    isClose(actual, expected, relative: 1e-9, absolute: 1e-12)
}

@Suite("Metrics against scikit-learn and scipy (1e-9)")
struct MetricParityTests {
    @Test("AUC, KS, log loss and Brier")
    func classificationMetrics() throws {
        let f = try fixture()
        let events = f.numbers("labels").map { $0 == 1 }
        let ranking = try RankingMetrics(scores: f.numbers("scoreA"), events: events)
        #expect(close(ranking.auc, f.number("aucA")))
        #expect(close(ranking.ks, f.number("ksA")))
        #expect(close(try ProbabilityMetrics.logLoss(probabilities: f.numbers("pd"), events: events), f.number("logLoss")))
        #expect(close(try ProbabilityMetrics.brierScore(probabilities: f.numbers("pd"), events: events), f.number("brier")))
    }

    @Test("DeLong variance and the test of two correlated AUCs")
    func deLong() throws {
        let f = try fixture()
        let events = f.numbers("labels").map { $0 == 1 }
        let delong = try #require(f.object["delong"] as? [String: NSNumber])
        let a = try DeLongAUC(scores: f.numbers("scoreA"), events: events)
        let b = try DeLongAUC(scores: f.numbers("scoreB"), events: events)
        #expect(close(a.auc, f.number("aucA")) && close(b.auc, f.number("aucB")))
        #expect(close(a.variance, delong["varianceA"]!.doubleValue))
        #expect(close(b.variance, delong["varianceB"]!.doubleValue))
        let test = try DeLongAUC.compare(a, b)
        #expect(close(test.z, delong["z"]!.doubleValue))
        #expect(close(test.pValue, delong["pValue"]!.doubleValue))
        let interval = a.confidenceInterval()
        #expect(close(interval.upper - a.auc, 1.959963984540054 * a.standardError))
    }

    @Test("PSI by the documented formula; identical samples give 0")
    func populationStability() throws {
        let f = try fixture()
        #expect(close(try PopulationStability(expected: f.numbers("scoreA"), actual: f.numbers("current")).psi, f.number("psi")))
        let same = try PopulationStability(expected: f.numbers("scoreA"), actual: f.numbers("scoreA"))
        #expect(same.psi == 0 && f.number("psiSame") == 0 && same.status == .stable)
        let edges = [-1.0, 0, 1]
        let forward = try PopulationStability(expected: f.numbers("scoreA"), actual: f.numbers("current"), edges: edges)
        let backward = try PopulationStability(expected: f.numbers("current"), actual: f.numbers("scoreA"), edges: edges)
        #expect(close(forward.psi, backward.psi))
    }

    @Test("Hosmer-Lemeshow and Jeffreys against scipy")
    func calibration() throws {
        let f = try fixture()
        let report = try CalibrationReport(probabilities: f.numbers("pd"), events: f.numbers("labels").map { $0 == 1 })
        let hl = try #require(f.object["hosmerLemeshow"] as? [String: NSNumber])
        #expect(close(report.hosmerLemeshow.statistic, hl["statistic"]!.doubleValue))
        #expect(report.hosmerLemeshow.degreesOfFreedom == 8)
        #expect(close(report.hosmerLemeshow.pValue, hl["pValue"]!.doubleValue))
        let jeffreys = try #require(f.object["jeffreys"] as? [[NSNumber]])
        for (band, expected) in zip(report.bands, jeffreys) {
            #expect(close(band.jeffreysLower, expected[0].doubleValue))
            #expect(close(band.jeffreysUpper, expected[1].doubleValue))
            #expect(close(band.jeffreysPValue, expected[2].doubleValue))
        }
        #expect(report.bands.reduce(0) { $0 + $1.count } == 3000)
    }

    @Test("special functions against scipy")
    func specialFunctions() throws {
        let special = try #require(try fixture().object["special"] as? [String: [[NSNumber]]])
        for row in special["gammaQ"]! {
            #expect(close(SpecialFunctions.regularizedGammaQ(row[0].doubleValue, row[1].doubleValue), row[2].doubleValue), "Q\(row)")
        }
        for row in special["betaI"]! {
            #expect(close(SpecialFunctions.regularizedBeta(row[0].doubleValue, row[1].doubleValue, row[2].doubleValue), row[3].doubleValue), "I\(row)")
        }
        for row in special["betaQuantile"]! {
            #expect(close(SpecialFunctions.betaQuantile(row[0].doubleValue, row[1].doubleValue, row[2].doubleValue), row[3].doubleValue), "B\(row)")
        }
        for row in special["normalQuantile"]! {
            #expect(close(SpecialFunctions.normalQuantile(row[0].doubleValue), row[1].doubleValue), "z\(row)")
        }
    }

    @Test("known answers and rejections")
    func knownAnswers() throws {
        let perfect = try DeLongAUC(scores: [0.9, 0.8, 0.2, 0.1], events: [true, true, false, false])
        #expect(perfect.auc == 1 && perfect.variance == 0)
        #expect(throws: MetricError.singleClass) { try DeLongAUC(scores: [0.1, 0.2, 0.3], events: [true, false, false]) }
        #expect(throws: MetricError.nonFiniteScore(index: 1)) {
            try ProbabilityMetrics.logLoss(probabilities: [0.5, 1.5], events: [true, false])
        }
        #expect(try ProbabilityMetrics.brierScore(probabilities: [1, 0], events: [true, false]) == 0)
        #expect(try PopulationStability(expected: [1, 2, 3, 4], actual: [1, 2, 3, 4], bins: 2).psi == 0)
    }
}
