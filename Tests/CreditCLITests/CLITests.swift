import CreditTestSupport
import Foundation
import Testing

let germanCredit = RepositoryPaths.path("datasets/german_credit.csv")

@Suite("credit command line, end to end")
struct CLITests {
    @Test("fit, validate and score German credit")
    func fitValidateScore() throws {
        let directory = try TemporaryDirectory()
        let model = directory.path("model.json")
        let fit = try credit([
            "fit", "--data", germanCredit, "--target", "creditability", "--event", "bad",
            "--model-id", "pd-test", "--model-version", "0.1.0", "--out", model,
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.hasPrefix("model pd-test@0.1.0: 1000 rows, 300 events,"))
        #expect(fit.stdout.contains("status converged"))
        #expect(fit.stdout.contains("purpose=car (new)"))

        let validate = try credit(["model", "validate", model])
        #expect(validate.status == 0)
        #expect(validate.stdout.hasPrefix("ok pd-test@0.1.0 "))

        let scored = directory.path("scores.csv")
        let score = try credit(["score", "--model", model, "--data", germanCredit, "--out", scored])
        #expect(score.status == 0)
        #expect(score.stderr == "credit: german_credit.csv: read 1000, scored 1000, rejected 0\n")
        let lines = try directory.read("scores.csv").split(separator: "\n")
        #expect(lines.count == 1001)
        #expect(lines[0] == "line,probability_of_default,score")
        #expect(try directory.read("scores.csv.rejects.csv") == "source,line,field,reason,message\n")
    }

    @Test("scores through a pipe: standard input to standard output")
    func pipes() throws {
        let model = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
        let csv = try String(contentsOfFile: germanCredit, encoding: .utf8)
        let directory = try TemporaryDirectory()
        let run = try credit(["score", "--model", model, "--data", "-", "--out", "-", "--rejects", directory.path("r.csv")], stdin: csv)
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 1001)
        #expect(run.stderr == "credit: stdin: read 1000, scored 1000, rejected 0\n")
    }

    @Test("bad rows are rejected and counted; the reject limit exits 65")
    func rejects() throws {
        let directory = try TemporaryDirectory()
        let model = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
        var text = try String(contentsOfFile: germanCredit, encoding: .utf8)
        let firstRow = try #require(text.range(of: "\n... < 0 DM,6,"))
        text.replaceSubrange(firstRow, with: "\n... < 0 DM,six,")
        let input = try directory.write("bad.csv", text + "no checking account,12\n")
        let run = try credit(["score", "--model", model, "--data", input, "--out", directory.path("o.csv")])
        #expect(run.status == 0)
        #expect(run.stderr.contains("read 1001, scored 999, rejected 2"))
        let rejects = try directory.read("o.csv.rejects.csv")
        #expect(rejects.contains("bad.csv,2,duration_in_month,not_a_number,"))
        #expect(rejects.contains("bad.csv,1002,,ragged_row,\"row has 2 fields, the header has 21\""))

        let limited = try credit(["score", "--model", model, "--data", input, "--out", directory.path("o2.csv"), "--max-rejects", "0"])
        #expect(limited.status == 65)
        #expect(limited.stderr.hasPrefix("credit: stopped: 1 rows rejected, more than the limit of 0"))
    }

    @Test("unusable inputs exit with their code and a message naming the file and field")
    func unusableInputs() throws {
        let directory = try TemporaryDirectory()
        let model = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
        let missing = try credit(["score", "--model", model, "--data", directory.path("nope.csv"), "--out", directory.path("o.csv")])
        #expect(missing.status == 66)
        #expect(missing.stderr.hasSuffix("nope.csv': No such file or directory\n"))

        let noColumn = try directory.write("cols.csv", "id,age_in_years\n1,30\n")
        let column = try credit(["score", "--model", model, "--data", noColumn, "--out", directory.path("o.csv")])
        #expect(column.status == 65)
        #expect(column.stderr == "credit: cols.csv:1, field 'status_of_existing_checking_account': required column is not in the header\n")

        let badModel = try directory.write("model.json", "{\"schemaVersion\": 9}")
        let unknownVersion = try credit(["score", "--model", badModel, "--data", germanCredit, "--out", directory.path("o.csv")])
        #expect(unknownVersion.status == 65)
        #expect(unknownVersion.stderr == "credit: model.json: schemaVersion: unsupported schema version 9; this engine reads version 1\n")

        let usage = try credit(["score", "--model", model])
        #expect(usage.status == 64)
    }

    @Test("a training file with a bad value names its line and column")
    func badTrainingValue() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("train.csv", "x,y\n1,0\n2,1\nInf,0\n")
        let run = try credit(["fit", "--data", input, "--target", "y", "--model-id", "m", "--model-version", "1.0.0", "--out", directory.path("m.json")])
        #expect(run.status == 65)
        #expect(run.stderr == "credit: train.csv:4, field 'x': value is NaN or infinite\n")
    }

    @Test("a separated fit is reported and not written unless allowed")
    func nonConvergedFit() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("sep.csv", "x,y\n-3,0\n-2,0\n-1,0\n1,1\n2,1\n3,1\n")
        let arguments = ["fit", "--data", input, "--target", "y", "--model-id", "sep", "--model-version", "1.0.0", "--out", directory.path("m.json")]
        let refused = try credit(arguments)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("perfect or quasi-complete separation (dominated by 'x')"))
        #expect(refused.stderr.hasSuffix("; no model written\n"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("m.json")))

        let allowed = try credit(arguments + ["--allow-nonconverged"])
        #expect(allowed.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("m.json")))
    }

    @Test("model validate rejects an edited model")
    func validateTampered() throws {
        let directory = try TemporaryDirectory()
        let text = try String(contentsOfFile: RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json"), encoding: .utf8)
        let path = try directory.write("model.json", text.replacingOccurrences(of: "\"pointsToDoubleOdds\" : 20", with: "\"pointsToDoubleOdds\" : 25"))
        let run = try credit(["model", "validate", path])
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("credit: model.json: contentSHA256: does not match the content"))
    }

    @Test("kill -9 during a SQLite run, then re-run: every row stored exactly once")
    func killAndResume() throws {
        let directory = try TemporaryDirectory()
        let rows = 600_000
        let generated = try credit([
            "generate", "--rows", "\(rows)", "--features", "5", "--categorical", "1", "--missing-rate", "0.05",
            "--model-out", directory.path("model.json"), "--out", directory.path("apps.csv"),
        ])
        try #require(generated.status == 0)
        let database = directory.path("scores.db")
        let arguments = ["score", "--model", directory.path("model.json"), "--data", directory.path("apps.csv"), "--to-sqlite", database, "--table", "scores", "--quiet"]

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("credit")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (at most 60 s) until some rows are committed, then kill without warning.
        var stored = 0
        let deadline = Date().addingTimeInterval(60)
        while stored == 0, process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            stored = Int((try? sqliteCount(database)) ?? 0)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let atKill = try sqliteCount(database)
        #expect(atKill > 0 && atKill < rows, "the run should be killed part-way (stored \(atKill) of \(rows))")

        let resumed = try credit(arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("rows already stored)"))
        #expect(try sqliteQuery(database, "SELECT count(*), count(DISTINCT source_row), min(source_row), max(source_row) FROM scores")
            == ["\(rows)|\(rows)|2|\(rows + 1)"])
        #expect(try sqliteQuery(database, "SELECT count(*) FROM scores_rejects") == ["0"])
    }

    @Test("evaluate reports consistent metrics for the shipped scorecard")
    func evaluate() throws {
        let directory = try TemporaryDirectory()
        let run = try credit([
            "evaluate", "--model", RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json"),
            "--data", germanCredit, "--json", directory.path("report.json"),
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("pd-german-credit-scorecard@1.0.0 on german_credit.csv: 1000 rows, 300 defaults (0 rejected, 0 unlabeled)"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.url.appendingPathComponent("report.json"))) as! [String: Any]
        let auc = (report["auc"] as! NSNumber).doubleValue
        #expect((report["aucLower"] as! NSNumber).doubleValue < auc && auc < (report["aucUpper"] as! NSNumber).doubleValue)
        #expect(abs((report["gini"] as! NSNumber).doubleValue - (2 * auc - 1)) < 1e-12)
        let bands = report["calibration"] as! [[String: Any]]
        #expect(bands.count == 10 && bands.reduce(0) { $0 + ($1["rows"] as! Int) } == 1000)
        #expect(bands.reduce(0) { $0 + ($1["defaults"] as! Int) } == 300)
    }

    @Test("compare: a model against itself differs by nothing; against another, the swap set adds up")
    func compare() throws {
        let directory = try TemporaryDirectory()
        let logistic = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
        let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")
        let same = try credit(["compare", "--models", "\(scorecard),\(scorecard)", "--data", germanCredit, "--json", directory.path("same.json")])
        #expect(same.status == 0, "\(same.stderr)")
        let sameReport = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("same.json")))) as! [String: Any]
        #expect(sameReport["aucDifference"] as? Double == 0 && sameReport["pValue"] as? Double == 1)
        let run = try credit(["compare", "--models", "\(logistic),\(scorecard)", "--data", germanCredit, "--cutoff", "0.3",
                              "--group", "foreign_worker", "--json", directory.path("report.json")])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("report.json")))) as! [String: Any]
        let models = report["models"] as! [[String: Any]]
        let difference = (models[0]["auc"] as! Double) - (models[1]["auc"] as! Double)
        #expect(abs((report["aucDifference"] as! Double) - difference) < 1e-15)
        let swap = report["swap"] as! [String: Int]
        #expect(swap["approvedByBoth"]! + swap["declinedByBoth"]! + swap["approvedByFirstOnly"]! + swap["approvedBySecondOnly"]! == 1000)
        let approvedFirst = (models[0]["atCutoff"] as! [String: Any])["approved"] as! Int
        #expect(approvedFirst == swap["approvedByBoth"]! + swap["approvedByFirstOnly"]!)
        let fairness = (report["fairness"] as! [[String: Any]])[0]["groups"] as! [[String: Any]]
        #expect(fairness.map { $0["group"] as! String } == ["no", "yes"])
        #expect(fairness[0]["insufficient"] as? Bool == false, "37 foreign_worker=no rows exceed the default minimum of 30")
        let html = try credit(["compare", "--models", "\(logistic),\(scorecard)", "--data", germanCredit, "--report", directory.path("report.html")])
        #expect(html.status == 0)
        let page = try String(contentsOfFile: directory.path("report.html"), encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == 5, "ROC, KS, two distributions, calibration")
        #expect(!page.contains("<script") && !page.contains("src=") && !page.contains("href="), "self-contained, no script, no network")
        #expect(page.contains("Swap set at the cut-off") && page.contains("DeLong test"))
        // The same comparison read from SQLite (loaded by Python's sqlite3) gives the same numbers.
        let database = directory.path("book.sqlite")
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        load.arguments = ["python3", "-c", """
            import csv, sqlite3, sys
            rows = list(csv.reader(open(sys.argv[1], newline="")))
            def value(text):
                try: return int(text)
                except ValueError: return text
            db = sqlite3.connect(sys.argv[2])
            db.execute("CREATE TABLE book (" + ", ".join('"%s"' % name for name in rows[0]) + ")")
            db.executemany("INSERT INTO book VALUES (" + ", ".join("?" * len(rows[0])) + ")", [[value(v) for v in row] for row in rows[1:]])
            db.commit()
            """, germanCredit, database]
        try load.run()
        load.waitUntilExit()
        let fromSQLite = try credit(["compare", "--models", "\(logistic),\(scorecard)", "--from-sqlite", database, "--table", "book",
                                     "--cutoff", "0.3", "--json", directory.path("sqlite.json")])
        #expect(fromSQLite.status == 0, "\(fromSQLite.stderr)")
        let sqliteReport = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("sqlite.json")))) as! [String: Any]
        #expect(sqliteReport["aucDifference"] as? Double == report["aucDifference"] as? Double && sqliteReport["rows"] as? Int == 1000)
        let wrong = try credit(["compare", "--models", logistic, "--data", germanCredit])
        #expect(wrong.status == 64)
    }

    @Test("monitor: a sample against itself is stable; a shifted one is flagged with exit status 3")
    func monitor() throws {
        let directory = try TemporaryDirectory()
        let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")
        let same = try credit(["monitor", "--model", scorecard, "--baseline", germanCredit, "--current", germanCredit])
        #expect(same.status == 0 && same.stdout.contains("-> german_credit.csv (1000 rows, 0 rejected): stable"), "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("PSI 0.0000"))
        // Current: only the rows with no checking account.
        let lines = try String(contentsOfFile: germanCredit, encoding: .utf8).split(whereSeparator: \.isNewline)
        let shifted = [lines[0]] + lines.dropFirst().filter { $0.hasPrefix("no checking account") }
        try (shifted.joined(separator: "\n") + "\n").write(toFile: directory.path("current.csv"), atomically: true, encoding: .utf8)
        let run = try credit(["monitor", "--model", scorecard, "--baseline", germanCredit, "--current", directory.path("current.csv"),
                              "--json", directory.path("drift.json")])
        #expect(run.status == 3)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("drift.json")))) as! [String: Any]
        let features = report["features"] as! [[String: Any]]
        let checking = features.first { $0["name"] as? String == "status_of_existing_checking_account" }!
        #expect(checking["status"] as? String == "significantShift")
        #expect(report["currentRows"] as? Int == 394)
    }

    @Test("models: the shipped registry validates; a misplaced or edited file is named")
    func registry() throws {
        let shipped = try credit(["models", "validate", "--root", RepositoryPaths.path("models")])
        #expect(shipped.status == 0 && shipped.stdout.contains("ok pd-german-credit-scorecard@1.0.0 (scorecard, draft)"), "\(shipped.stderr)")
        let list = try credit(["models", "list", "--root", RepositoryPaths.path("models")])
        #expect(list.stdout.split(separator: "\n").count == 3)
        let directory = try TemporaryDirectory()
        let misplaced = directory.path("registry/pd-german-credit/2.0.0")
        try FileManager.default.createDirectory(atPath: misplaced, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json"), toPath: misplaced + "/model.json")
        let edited = directory.path("registry/policy-id-online-lending/1.0.0")
        try FileManager.default.createDirectory(atPath: edited, withIntermediateDirectories: true)
        let policy = try String(contentsOfFile: RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json"), encoding: .utf8)
        try policy.replacingOccurrences(of: "age < 18", with: "age < 17").write(toFile: edited + "/policy.json", atomically: true, encoding: .utf8)
        let broken = try credit(["models", "validate", "--root", directory.path("registry")])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("pd-german-credit@2.0.0: the file says pd-german-credit@1.0.0, its folder pd-german-credit/2.0.0"))
        #expect(broken.stderr.contains("policy-id-online-lending@1.0.0: policy.json: contentSHA256: does not match the content"))
    }

    @Test("evaluate --scored gives the AUC and KS of evaluate --model on the same scores, and names a bad score's line")
    func evaluateScored() throws {
        let directory = try TemporaryDirectory()
        let model = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")
        #expect(try credit(["score", "--model", model, "--data", germanCredit, "--out", directory.path("scores.csv"),
                            "--keep", "creditability", "--quiet"]).status == 0)
        let scored = try credit(["evaluate", "--scored", directory.path("scores.csv"), "--score-column", "probability_of_default",
                                 "--target", "creditability", "--event", "bad", "--json", directory.path("scored.json")])
        #expect(scored.status == 0, "\(scored.stderr)")
        _ = try credit(["evaluate", "--model", model, "--data", germanCredit, "--json", directory.path("model.json")])
        let a = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("scored.json")))) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("model.json")))) as! [String: Any]
        #expect(abs((a["auc"] as! Double) - (b["auc"] as! Double)) < 1e-12 && abs((a["ks"] as! Double) - (b["ks"] as! Double)) < 1e-12)
        #expect(a["rows"] as? Int == 1000 && a["defaults"] as? Int == 300)
        // A PD column also gives log loss and Brier, as evaluate --model does (peer-checked against scikit-learn).
        #expect(abs((a["logLoss"] as? Double ?? .nan) - (b["logLoss"] as! Double)) < 1e-12, "\(a)")
        #expect(abs((a["brier"] as? Double ?? .nan) - (b["brier"] as! Double)) < 1e-12)
        #expect(scored.stdout.contains("log loss "))
        let points = try credit(["evaluate", "--scored", directory.path("scores.csv"), "--score-column", "score", "--higher-is-safer",
                                 "--target", "creditability", "--event", "bad", "--json", directory.path("points.json")])
        let c = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("points.json")))) as! [String: Any]
        #expect(points.status == 0 && c["logLoss"] == nil && !points.stdout.contains("log loss"), "\(points.stdout)")
        try "p,y\n0.2,1\n0.1,0\nnan,1\n".write(toFile: directory.path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try credit(["evaluate", "--scored", directory.path("bad.csv"), "--score-column", "p", "--target", "y", "--event", "1"])
        #expect(bad.status == 65 && bad.stderr.contains("bad.csv:4, field 'p': is not a finite number") && !bad.stderr.contains("nan"))
    }

    @Test("generate is deterministic in its seed")
    func generate() throws {
        let directory = try TemporaryDirectory()
        _ = try credit(["generate", "--rows", "100", "--features", "3", "--seed", "7", "--out", directory.path("a.csv")])
        _ = try credit(["generate", "--rows", "100", "--features", "3", "--seed", "7", "--out", directory.path("b.csv")])
        let a = try directory.read("a.csv")
        #expect(a == (try directory.read("b.csv")))
        #expect(a.hasPrefix("id,x1,x2,x3,default\n1,"))
        #expect(a.split(separator: "\n").count == 101)
    }
}

/// Rows in table `scores`, read with Python's sqlite3 (independent of the engine).
func sqliteCount(_ database: String) throws -> Int {
    guard FileManager.default.fileExists(atPath: database) else { return 0 }
    return Int(try sqliteQuery(database, "SELECT count(*) FROM scores").first ?? "0") ?? 0
}

/// Rows of `sql` as `|`-joined text, read with Python's sqlite3.
func sqliteQuery(_ database: String, _ sql: String) throws -> [String] {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sqlite3, sys\ntry:\n  rows = sqlite3.connect(sys.argv[1], timeout=5).execute(sys.argv[2]).fetchall()\nexcept sqlite3.OperationalError:\n  rows = [(0,)]\nfor r in rows: print('|'.join(map(str, r)))",
        database, sql,
    ]
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}
