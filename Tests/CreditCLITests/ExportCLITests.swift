import CreditTestSupport
import Foundation
import Testing

private let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")

@Suite("credit export and credit import on the command line")
struct ExportCLITests {
    @Test("export to PMML and import back gives a model file that validates and scores the shipped data byte for byte as the original")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let export = try credit(["export", "--model", scorecard, "--format", "pmml", "--out", directory.path("card.pmml")])
        #expect(export.status == 0, "\(export.stderr)")
        let imported = try credit(["import", "--format", "pmml", "--in", directory.path("card.pmml"), "--out", directory.path("card.json")])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("pd-german-credit-scorecard@1.0.0 (scorecard, 12 features, 5 examples)"), "\(imported.stdout)")
        #expect(try credit(["model", "validate", directory.path("card.json")]).status == 0)
        for model in [scorecard, directory.path("card.json")] {
            let name = model == scorecard ? "a" : "b"
            let run = try credit(["score", "--model", model, "--data", germanCredit, "--out", directory.path("\(name).csv"), "--reasons", "4", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try directory.read("a.csv") == directory.read("b.csv"))
    }

    @Test("bad usage exits 64, an output over the model is refused, a non-PMML file exits 65 naming the problem")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        #expect(try credit(["export", "--model", scorecard, "--format", "sql", "--out", directory.path("x.sql")]).status == 64)
        #expect(try credit(["export", "--model", scorecard, "--format", "pmml", "--dialect", "duckdb", "--out", directory.path("x")]).status == 64)
        let model = try directory.write("model.json", try String(contentsOfFile: scorecard, encoding: .utf8))
        let over = try credit(["export", "--model", model, "--format", "pmml", "--out", model])
        #expect(over.status == 64, "\(over.stderr)")
        #expect(try String(contentsOfFile: model, encoding: .utf8) == String(contentsOfFile: scorecard, encoding: .utf8))
        let junk = try directory.write("junk.pmml", "<html><body>not pmml</body></html>")
        let refused = try credit(["import", "--format", "pmml", "--in", junk, "--out", directory.path("m.json")])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("html: the document element must be PMML"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m.json")))
        let sql = try credit(["export", "--model", scorecard, "--format", "sql", "--dialect", "duckdb", "--table", "apps", "--keep", "id,branch", "--out", "-"])
        #expect(sql.status == 0 && sql.stdout.contains("FROM \"apps\"") && sql.stdout.contains("\"branch\""), "\(sql.stdout)")
    }
}
