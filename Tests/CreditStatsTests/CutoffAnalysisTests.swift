import CreditStats
import Foundation
import Testing

@Suite("Cut-offs, fairness and stability from counts")
struct CutoffAnalysisTests {
    @Test("confusion counts and rates at cut-offs, by hand")
    func cutoffs() {
        let pds = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6]
        let events = [false, false, true, false, true, true]
        let table = CutoffOutcome.table(probabilities: pds, events: events, cutoffs: [0.2, 0.0, 1.0])
        #expect(table[0] == CutoffOutcome(cutoff: 0.2, approved: 3, approvedDefaults: 1, declined: 3, declinedDefaults: 2))
        #expect(table[0].approvalRate == 0.5 && abs(table[0].approvedBadRate - 1.0 / 3) < 1e-15)
        #expect(table[0].truePositives == 2 && table[0].falsePositives == 1 && table[0].trueNegatives == 2 && table[0].falseNegatives == 1)
        #expect(table[1].approved == 0 && table[1].approvedBadRate == 0)
        #expect(table[2].declined == 0 && table[2].approvalRate == 1)
    }

    @Test("adverse-impact ratios against the best-approved group; small groups are insufficient")
    func fairness() {
        let pds = Array(repeating: 0.1, count: 40) + Array(repeating: 0.5, count: 10) + Array(repeating: 0.1, count: 30) + Array(repeating: 0.5, count: 20)
            + [0.1, 0.5]
        let groups = Array(repeating: "a", count: 50) + Array(repeating: "b", count: 50) + ["c", "c"]
        let report = FairnessReport(probabilities: pds, groups: groups, cutoff: 0.2, minimumSize: 30)
        #expect(report.groups.map(\.group) == ["a", "b", "c"])
        #expect(report.groups[0].approvalRate == 0.8 && report.groups[0].adverseImpactRatio == 1)
        #expect(abs(report.groups[1].adverseImpactRatio! - 0.75) < 1e-15)
        #expect(report.groups[2].insufficient && report.groups[2].adverseImpactRatio == nil)
    }

    @Test("PSI from counts: identical shares give 0, the formula by hand otherwise")
    func countsPSI() throws {
        #expect(try PopulationStability(expectedCounts: [10, 20, 30], actualCounts: [20, 40, 60]).psi == 0)
        let shifted = try PopulationStability(expectedCounts: [50, 50], actualCounts: [25, 75])
        let byHand = (0.25 - 0.5) * log(0.25 / 0.5) + (0.75 - 0.5) * log(0.75 / 0.5)
        #expect(abs(shifted.psi - byHand) < 1e-15)
        #expect(throws: MetricError.self) { try PopulationStability(expectedCounts: [1, 2], actualCounts: [1]) }
    }
}
