import CreditAudit
import CreditBatch
import CreditEngine
import CreditTestSupport
import Foundation
import Glibc
import Testing

@Suite("Binning German credit against optbinning")
struct OptbinningParityTests {
    @Test("every feature's IV is within 5% of optbinning's, or higher")
    func informationValues() async throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "optbinning-german-credit", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try #require(fixture.object["features"] as? [String: [String: Any]])
        var options = TrainingFileOptions(path: RepositoryPaths.path("datasets/german_credit.csv"), target: "creditability")
        (options.eventLabel, options.allowMissing) = ("bad", true)
        let binnings = try BinningJob.run(try await TrainingTable.load(options), options: BinningOptions())
        #expect(binnings.count == reference.count)
        let allowedShortfall = (fixture.tolerance["informationValue"] as? [String: Any])?["relativeBelow"] as? Double ?? 0
        for binning in binnings {
            let theirs = try #require((reference[binning.name]?["iv"] as? NSNumber)?.doubleValue, "\(binning.name) missing from fixture")
            #expect(binning.informationValue >= theirs * (1 - allowedShortfall) - 1e-12,
                    "\(binning.name): IV \(binning.informationValue) vs optbinning \(theirs)")
        }
    }
}

@Suite("Scorecard on a 200k-row synthetic training set against optbinning")
struct SyntheticOptbinningParityTests {
    @Test("every feature's IV is within 5% of optbinning's or higher; holdout AUC no lower than optbinning's minus 0.005")
    func synthetic200k() async throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "optbinning-synthetic-200k", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try #require(fixture.object["iv"] as? [String: NSNumber])
        // The fixture's data, from the generator `credit generate` uses, confirmed byte for byte;
        // the first 200,000 data rows train, the rest are the holdout.
        let directory = try TemporaryDirectory()
        let both = directory.path("both.csv")
        _ = try SyntheticFile.writeApplications(rows: 400_000, numericCount: 25, categoricalCount: 5, missingRate: 0.05, seed: 1, path: both)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: both))
        #expect(ContentDigest.sha256Hex(bytes) == fixture.object["dataSHA256"] as? String)
        // Offsets just past the header's line feed and past the 200,000th data row's.
        let (headerEnd, holdoutStart) = bytes.withUnsafeBytes { buffer in
            var offset = 0
            var ends: [Int] = []
            while ends.count <= 200_000, let found = memchr(buffer.baseAddress! + offset, 0x0A, buffer.count - offset) {
                offset = buffer.baseAddress!.distance(to: UnsafeRawPointer(found)) + 1
                ends.append(offset)
            }
            return (ends[0], ends[200_000])
        }
        try bytes[..<holdoutStart].write(to: URL(fileURLWithPath: directory.path("train.csv")))
        try (bytes[..<headerEnd] + bytes[holdoutStart...]).write(to: URL(fileURLWithPath: directory.path("holdout.csv")))

        // `credit fit --scorecard`, then `credit evaluate` on the holdout.
        var options = TrainingFileOptions(path: directory.path("train.csv"), target: "default")
        (options.excluded, options.allowMissing) = (["id"], true)
        let train = try await TrainingTable.load(options)
        #expect(train.data.count == Int(fixture.number("trainRows")))
        let identity = Trainer.ModelIdentity(modelId: "synthetic", modelVersion: "1.0.0", scaling: try ScoreScaling(), fittedAt: "2026-12-01T00:00:00Z")
        let (fit, file) = try Trainer.fitScorecard(train, builder: try ScorecardBuilder(), identity: identity)

        let allowedShortfall = (fixture.tolerance["informationValue"] as? [String: Any])?["relativeBelow"] as? Double ?? 0
        #expect(fit.binnings.count == reference.count)
        for binning in fit.binnings {
            let theirs = try #require(reference[binning.name]?.doubleValue, "\(binning.name) missing from the fixture")
            #expect(binning.informationValue >= theirs * (1 - allowedShortfall) - 1e-12, "\(binning.name): IV \(binning.informationValue) vs optbinning \(theirs)")
        }
        let bundle = try ModelBundle(jsonData: file.prettyJSON(), source: "synthetic.json")
        let report = try await Evaluator.evaluate(bundle: bundle, input: .csv(path: directory.path("holdout.csv")))
        #expect(report.rows == Int(fixture.number("holdoutRows")))
        let allowedDrop = (fixture.tolerance["holdoutAUC"] as? [String: Any])?["absoluteBelow"] as? Double ?? 0
        #expect(report.auc >= fixture.number("holdoutAUC") - allowedDrop, "holdout AUC \(report.auc) vs optbinning \(fixture.number("holdoutAUC"))")
    }
}
