import CreditBatch
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

@Suite("Binning German credit against optbinning")
struct OptbinningParityTests {
    @Test("every feature's IV is within 5% of optbinning's, or higher")
    func informationValues() throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "optbinning-german-credit", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try #require(fixture.object["features"] as? [String: [String: Any]])
        var options = TrainingFileOptions(path: RepositoryPaths.path("datasets/german_credit.csv"), target: "creditability")
        (options.eventLabel, options.allowMissing) = ("bad", true)
        let binnings = try BinningJob.run(try TrainingTable.load(options), options: BinningOptions())
        #expect(binnings.count == reference.count)
        let allowedShortfall = (fixture.tolerance["informationValue"] as? [String: Any])?["relativeBelow"] as? Double ?? 0
        for binning in binnings {
            let theirs = try #require((reference[binning.name]?["iv"] as? NSNumber)?.doubleValue, "\(binning.name) missing from fixture")
            #expect(binning.informationValue >= theirs * (1 - allowedShortfall) - 1e-12,
                    "\(binning.name): IV \(binning.informationValue) vs optbinning \(theirs)")
        }
    }
}
