import CreditBatch
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

/// German credit with missing values allowed (as `credit fit --scorecard` reads it).
private func germanCredit() async throws -> TrainingTable {
    var options = TrainingFileOptions(path: RepositoryPaths.path("datasets/german_credit.csv"), target: "creditability")
    (options.eventLabel, options.allowMissing) = ("bad", true)
    return try await TrainingTable.load(options)
}

/// The rows of `data` whose 0-based index satisfies `keep`.
private func rows(_ data: TrainingData, where keep: (Int) -> Bool) -> TrainingData {
    let selected = (0..<data.count).filter(keep)
    return TrainingData(
        features: data.features.map { feature in
            switch feature.values {
            case .numeric(let values): return .init(name: feature.name, values: .numeric(selected.map { values[$0] }))
            case .categorical(let labels): return .init(name: feature.name, values: .categorical(selected.map { labels[$0] }))
            }
        },
        events: selected.map { data.events[$0] })
}

@Suite("Scorecards end to end")
struct ScorecardPipelineTests {
    @Test("holdout AUC is no lower than optbinning's scorecard minus 0.005")
    func holdoutAUC() async throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "optbinning-german-credit-scorecard", withExtension: "json", subdirectory: "Fixtures"))
        let data = try await germanCredit().data
        let train = rows(data) { $0 % 5 != 0 }
        let holdout = rows(data) { $0 % 5 == 0 }
        #expect(train.count == Int(fixture.number("trainRows")) && holdout.count == Int(fixture.number("holdoutRows")))
        let card = try ScorecardBuilder().fit(train, scaling: ScoreScaling()).scorecard
        let scores = try (0..<holdout.count).map { row in
            let values = card.characteristics.map { characteristic -> FeatureValue in
                let feature = holdout.features.first { $0.name == characteristic.name }!
                switch feature.values {
                case .numeric(let values): return values[row].isNaN ? .missing : .number(values[row])
                case .categorical(let labels): return labels[row].isEmpty ? .missing : .category(labels[row])
                }
            }
            return -Double(try card.score(values).totalPoints)
        }
        let auc = try RankingMetrics(scores: scores, events: holdout.events).auc
        let theirs = fixture.number("holdoutAUC")
        #expect(auc >= theirs - 0.005, "holdout AUC \(auc) vs optbinning \(theirs)")
    }

    @Test("the streaming pipeline gives each row the single-record total, PD and reasons")
    func pipelineMatchesSingleRecord() async throws {
        // German credit has quoted fields, so its blocks take the general scanner.
        try await expectPipelineMatchesSingleRecord(path: RepositoryPaths.path("datasets/german_credit.csv"), table: germanCredit())
    }

    @Test("on a file without quotes (the word-at-a-time scanner), with missing cells, too")
    func plainFileMatchesSingleRecord() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("applications.csv")
        _ = try SyntheticFile.writeApplications(rows: 3000, numericCount: 6, categoricalCount: 3, missingRate: 0.05, seed: 5, path: path)
        var options = TrainingFileOptions(path: path, target: "default")
        (options.excluded, options.allowMissing) = (["id"], true)
        try await expectPipelineMatchesSingleRecord(path: path, table: TrainingTable.load(options))
    }

    /// Fits a scorecard on `table` (read from `path`), scores `path` through the parallel block
    /// pipeline (small blocks and batches), and checks every row against ``ModelBundle/score(_:)``.
    private func expectPipelineMatchesSingleRecord(path: String, table: TrainingTable) async throws {
        let directory = try TemporaryDirectory()
        var identity = Trainer.ModelIdentity(modelId: "card", modelVersion: "1.0.0", scaling: try ScoreScaling(), fittedAt: "2026-11-24T00:00:00Z")
        identity.exampleCount = 3
        let (_, file) = try Trainer.fitScorecard(table, builder: try ScorecardBuilder(), identity: identity)
        let bundle = try ModelBundle(jsonData: file.prettyJSON(), source: "card.json")
        #expect(bundle.failingExamples(tolerance: 0).isEmpty)

        var options = ScoringJobOptions(input: path, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        (options.reasons, options.blockSize, options.batchSize, options.keep) = (4, 10_000, 64, [])
        let summary = try await ScoringJob.run(bundle: bundle, options: options)
        #expect(summary.rowsScored == table.data.count && summary.reconciles)
        let lines = try directory.read("out.csv").split(separator: "\n").map(String.init)
        #expect(lines[0] == "probability_of_default,score,reason_1,reason_2,reason_3,reason_4")
        #expect(lines.count == table.data.count + 1)
        for (row, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var input: [String: FeatureValue] = [:]
            for feature in table.data.features {
                switch feature.values {
                case .numeric(let values): input[feature.name] = values[row].isNaN ? .missing : .number(values[row])
                case .categorical(let labels): input[feature.name] = labels[row].isEmpty ? .missing : .category(labels[row])
                }
            }
            let expected = try bundle.score(input)
            #expect(Double(fields[1]) == expected.score, "row \(row + 1)")
            #expect(Double(fields[0]) == expected.probabilityOfDefault, "row \(row + 1)")
            #expect(Array(fields[2...]).filter { !$0.isEmpty } == expected.reasons.map(\.code), "row \(row + 1)")
        }
    }

    @Test("reason columns need a scorecard model")
    func reasonsNeedScorecard() async throws {
        let directory = try TemporaryDirectory()
        var options = ScoringJobOptions(input: RepositoryPaths.path("datasets/german_credit.csv"), output: directory.path("o"), rejects: directory.path("r"))
        options.reasons = 2
        await #expect(throws: BatchError.reasonsNeedScorecard(model: "test-model@1.0.0")) {
            try await ScoringJob.run(bundle: testBundle(), options: options)
        }
    }
}
