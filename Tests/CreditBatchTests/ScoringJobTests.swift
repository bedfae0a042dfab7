import CreditBatch
import CreditCSV
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

/// A sealed bundle with numeric `income` (imputed when missing), numeric `age`, categorical `region`.
func testBundle(version: String = "1.0.0") throws -> ModelBundle {
    let model = try LogisticModel(intercept: -1, features: [
        ModelFeature(name: "income", encoding: .numeric(coefficient: -0.5, missing: .impute(3))),
        ModelFeature(name: "age", encoding: .numeric(coefficient: 0.02, missing: .reject)),
        ModelFeature(name: "region", encoding: .categorical(
            reference: "jakarta", levels: [.init(value: "jakarta", coefficient: 0), .init(value: "bandung", coefficient: 0.3)],
            missing: .reject, unknown: .reject)),
    ])
    let training = ModelFile.Training(
        dataSource: "test.csv", dataSHA256: String(repeating: "0", count: 64), rows: 10, events: 3, fittedAt: "2026-11-24T00:00:00Z",
        options: IRLSOptions(), report: FitReport(status: .converged, iterations: 1, logLikelihood: -1, gradientMaxNorm: 0, reciprocalCondition: 1),
        coefficients: [], metrics: .init(auc: 0.7, gini: 0.4, ks: 0.3))
    let file = try ModelFile(
        modelId: "test-model", modelVersion: version, target: .init(column: "bad", event: "1"), model: model,
        scaling: ScoreScaling(), training: training, examples: []
    ).sealed()
    return try ModelBundle(jsonData: file.prettyJSON(), source: "model.json")
}

@Suite("Scoring job: streaming, rejects, reconciliation")
struct ScoringJobTests {
    @Test("every bad row is rejected with its line, field and reason; counts reconcile")
    func malformedCorpus() async throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("apps.csv", """
            id,income,age,region,extra\r
            a1,5,30,jakarta,x\r
            a2,,40,bandung,x\r
            a3,1,5,2,jakarta,x\r
            a4,NaN,30,jakarta,x\r
            a5,"1,5",30,jakarta,x\r
            a6,2,,jakarta,x\r
            a7,2,30,surabaya,x\r
            a8,2,inf,bandung,x\r
            a9,"2"x,30,jakarta,x\r
            a10,4,50,bandung,x\r
            a11,3,33,"jakarta

            """)
        var options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rejects.csv"))
        options.batchSize = 2
        let summary = try await ScoringJob.run(bundle: testBundle(), options: options)
        #expect(summary.rowsRead == 11)
        #expect(summary.rowsScored == 3)
        #expect(summary.rowsRejected == 8)
        #expect(summary.reconciles)
        #expect(summary.rejectsByReason == [
            "ragged_row": 1, "not_finite": 2, "not_a_number": 1, "missing_value": 1, "unknown_category": 1, "malformed_quoting": 2,
        ])
        let rejects = try directory.read("rejects.csv").split(separator: "\n").map(String.init)
        #expect(rejects == [
            "source,line,field,reason,message",
            "apps.csv,4,,ragged_row,\"row has 6 fields, the header has 5\"",
            "apps.csv,5,income,not_finite,value is NaN or infinite",
            "apps.csv,6,income,not_a_number,value is not a number (expected digits with '.' as the decimal point)",
            "apps.csv,7,age,missing_value,value is missing and the feature's policy rejects missing values",
            "apps.csv,8,region,unknown_category,category was not seen in training and the feature's policy rejects unknown categories",
            "apps.csv,9,age,not_finite,value is NaN or infinite",
            "apps.csv,10,,malformed_quoting,malformed quoting: text after the closing quote of field 2",
            "apps.csv,12,,malformed_quoting,malformed quoting: the quote opened in field 4 is never closed",
        ])
        let output = try directory.read("out.csv").split(separator: "\n").map(String.init)
        #expect(output.first == "id,probability_of_default,score")
        #expect(output.dropFirst().map { $0.split(separator: ",")[0] } == ["a1", "a2", "a10"])
        // a2 has no income: imputed 3 → η = −1 − 1.5 + 0.8 + 0.3.
        let a2 = output[2].split(separator: ",")
        #expect(isClose(Double(a2[1])!, 1 / (1 + exp(-(-1 - 1.5 + 0.8 + 0.3))), relative: 1e-14))
    }

    @Test("scores are in input order and identical for any batch size", arguments: [1, 7, 4096])
    func orderAndBatchIndependence(batchSize: Int) async throws {
        let directory = try TemporaryDirectory()
        var text = "income,age,region\n"
        for row in 0..<500 { text += "\(Double(row % 17) / 3),\(20 + row % 40),\(row % 3 == 0 ? "bandung" : "jakarta")\n" }
        let input = try directory.write("in.csv", text)
        var options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        options.batchSize = batchSize
        options.blockSize = 97
        options.window = 3
        _ = try await ScoringJob.run(bundle: testBundle(), options: options)
        let lines = try directory.read("out.csv").split(separator: "\n").dropFirst()
        #expect(lines.count == 500)
        let bundle = try testBundle()
        for (row, line) in lines.enumerated() {
            let fields = line.split(separator: ",")
            #expect(Int(fields[0]) == row + 2)
            let expected = try bundle.score([
                "income": .number(Double(row % 17) / 3), "age": .number(Double(20 + row % 40)),
                "region": .category(row % 3 == 0 ? "bandung" : "jakarta"),
            ])
            #expect(isClose(Double(fields[1])!, expected.probabilityOfDefault, relative: 1e-14))
            #expect(isClose(Double(fields[2])!, expected.score, relative: 1e-14))
        }
    }

    @Test("a missing model column stops the job before any row, naming the column")
    func missingColumn() async throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", "income,region\n1,jakarta\n")
        let options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        await #expect(throws: BatchError.csv(.missingColumn(InputLocation(source: "in.csv", line: 1, field: "age")))) {
            try await ScoringJob.run(bundle: testBundle(), options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("out.csv")))
    }

    @Test("duplicate header names, an empty file and a missing file are clear errors")
    func unusableInputs() async throws {
        let directory = try TemporaryDirectory()
        let duplicate = try directory.write("dup.csv", "income,age,age,region\n")
        await #expect(throws: BatchError.csv(.duplicateColumn(InputLocation(source: "dup.csv", line: 1, field: "age")))) {
            try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(input: duplicate, output: directory.path("o"), rejects: directory.path("r")))
        }
        let empty = try directory.write("empty.csv", "")
        await #expect(throws: BatchError.csv(.emptyInput(source: "empty.csv"))) {
            try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(input: empty, output: directory.path("o"), rejects: directory.path("r")))
        }
        await #expect(throws: BatchError.csv(.cannotOpen(path: directory.path("nope.csv"), reason: "No such file or directory"))) {
            try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(input: directory.path("nope.csv"), output: directory.path("o"), rejects: directory.path("r")))
        }
    }

    @Test("the reject limit stops the run with the counts so far")
    func rejectLimit() async throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", "income,age,region\n1,x,jakarta\n1,30,jakarta\n1,y,jakarta\n1,z,jakarta\n1,30,jakarta\n")
        var options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        options.maxRejects = 1
        do {
            _ = try await ScoringJob.run(bundle: testBundle(), options: options)
            Issue.record("expected the reject limit to stop the run")
        } catch let BatchError.tooManyRejects(limit, summary) {
            #expect(limit == 1)
            #expect(summary.rowsRead == 3 && summary.rowsScored == 1 && summary.rowsRejected == 2)
            #expect(try directory.read("out.csv").split(separator: "\n").count == 2)
        }
    }

    @Test("the reject limit cuts the output at the exact row, across parallel blocks")
    func rejectLimitAcrossBlocks() async throws {
        let directory = try TemporaryDirectory()
        var text = "income,age,region\n"
        for row in 1...300 { text += row % 50 == 0 ? "1,bad,jakarta\n" : "1,\(row % 60 + 18),jakarta\n" }
        let input = try directory.write("in.csv", text)
        var options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        (options.maxRejects, options.blockSize, options.window, options.batchSize) = (3, 64, 4, 5)
        do {
            _ = try await ScoringJob.run(bundle: testBundle(), options: options)
            Issue.record("expected the reject limit to stop the run")
        } catch let BatchError.tooManyRejects(_, summary) {
            // Rows 50, 100, 150, 200 are bad: the fourth (row 200) passes the limit of 3.
            #expect(summary.rowsRead == 200 && summary.rowsRejected == 4 && summary.rowsScored == 196)
            #expect(try directory.read("out.csv").split(separator: "\n").count == 197)
            let rejects = try directory.read("rej.csv").split(separator: "\n")
            #expect(rejects.count == 5)
            #expect(rejects.last?.hasPrefix("in.csv,201,age,not_a_number") == true)
        }
    }

    @Test("shards are disjoint and together score every row once", arguments: [1, 2, 3])
    func shardsCoverInput(count: Int) async throws {
        let directory = try TemporaryDirectory()
        var text = "id,income,age,region\n"
        for row in 1...250 { text += "r\(row),\(row % 9),\(20 + row % 30),\(row % 4 == 0 ? "bandung" : "jakarta")\n" }
        text += "r251,1,bad,jakarta\n"
        let input = try directory.write("in.csv", text)
        var seen: [String] = []
        var rejected = 0
        for index in 1...count {
            var options = ScoringJobOptions(input: input, output: directory.path("o\(index).csv"), rejects: directory.path("r\(index).csv"))
            (options.shard, options.blockSize) = (Shard("\(index)/\(count)"), 200)
            let summary = try await ScoringJob.run(bundle: testBundle(), options: options)
            #expect(summary.reconciles)
            #expect(summary.rowsRead + summary.rowsInOtherShards == 251)
            rejected += summary.rowsRejected
            seen += try directory.read("o\(index).csv").split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        }
        #expect(rejected == 1)
        #expect(seen.sorted() == (1...250).map { "r\($0)" }.sorted())
        #expect(Shard("0/2") == nil && Shard("3/2") == nil && Shard("1/0") == nil && Shard("x") == nil)
    }

    @Test("--keep copies the named columns, quoting where needed")
    func keepColumns() async throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", "name,income,age,region\n\"Budi, S.\",1,30,jakarta\n")
        var options = ScoringJobOptions(input: input, output: directory.path("out.csv"), rejects: directory.path("rej.csv"))
        options.keep = ["name", "region"]
        _ = try await ScoringJob.run(bundle: testBundle(), options: options)
        let lines = try directory.read("out.csv").split(separator: "\n")
        #expect(lines[0] == "name,region,probability_of_default,score")
        #expect(lines[1].hasPrefix("\"Budi, S.\",jakarta,"))
    }
}
