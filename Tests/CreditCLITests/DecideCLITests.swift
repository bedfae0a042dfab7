import CreditTestSupport
import Foundation
import Testing

private let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")
private let policy = RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json")

@Suite("credit decide and credit rules")
struct DecideCLITests {
    @Test("the shipped policy passes its shipped cases")
    func shippedCases() throws {
        let run = try credit(["rules", "test", "--model", scorecard, "--policy", policy,
                              "--cases", RepositoryPaths.path("models/policy-id-online-lending/1.0.0/cases.csv")])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("25 of 25 cases pass"))
    }

    @Test("a wrong expectation fails rules test with the case's line and name")
    func failingCase() throws {
        let directory = try TemporaryDirectory()
        var text = try String(contentsOfFile: RepositoryPaths.path("models/policy-id-online-lending/1.0.0/cases.csv"), encoding: .utf8)
        text = text.replacingOccurrences(of: "under 18,decline,KO-AGE", with: "under 18,approve,KO-AGE")
        try text.write(toFile: directory.path("cases.csv"), atomically: true, encoding: .utf8)
        let run = try credit(["rules", "test", "--model", scorecard, "--policy", policy, "--cases", directory.path("cases.csv")])
        #expect(run.status == 65)
        #expect(run.stdout.contains("FAIL line 3 (under 18): decision decline, expected approve"))
    }

    @Test("decide writes one row per application, rejects bad rows with line and field, and counts reconcile")
    func decide() throws {
        let directory = try TemporaryDirectory()
        var lines = try String(contentsOfFile: RepositoryPaths.path("datasets/applications_sample.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(11).map(String.init)
        lines[4] = lines[4].replacingOccurrences(of: ",true,false,", with: ",maybe,false,")  // ktp_verified
        lines[7] = lines[7].replacingOccurrences(of: "+07:00", with: "").replacingOccurrences(of: "T", with: "x")  // timestamp
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory.path("in.csv"), atomically: true, encoding: .utf8)
        let run = try credit(["decide", "--model", scorecard, "--policy", policy, "--data", directory.path("in.csv"),
                              "--out", directory.path("out.csv"), "--keep", "loan_id"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("10 rows read, 8 decided"))
        #expect(run.stderr.contains("2 rejected"))
        let out = try String(contentsOfFile: directory.path("out.csv"), encoding: .utf8).split(separator: "\n")
        #expect(out.first == "loan_id,decision,pd,score,grade,max_amount,max_tenor_months,reason_1,reason_2,reason_3,reason_4,rule_hits")
        #expect(out.count == 9)
        #expect(out[1].hasPrefix("loan-00001,decline,"))
        let rejects = try String(contentsOfFile: directory.path("out.csv.rejects.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 3)
        #expect(rejects[1].hasPrefix("in.csv,5,ktp_verified,invalid_value,"))
        #expect(rejects[2].hasPrefix("in.csv,8,timestamp,not_a_date,"))
    }

    @Test("rules check reports a broken file with rule, path and column, and exits 65")
    func brokenPolicy() throws {
        let directory = try TemporaryDirectory()
        var text = try String(contentsOfFile: policy, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"age < 18 or age > 65\"", with: "\"age < 18 or salary > 65\"")
        try text.write(toFile: directory.path("policy.json"), atomically: true, encoding: .utf8)
        let broken = try credit(["rules", "check", directory.path("policy.json")])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("policy.json: rules[0].when (KO-AGE) column 13: unknown field 'salary'"), "\(broken.stderr)")
        let ok = try credit(["rules", "check", policy])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("ok policy-id-online-lending@1.0.0"))
    }

    @Test("rules run screens rows in order, rejects a mistyped value, and counts reconcile")
    func rulesRun() throws {
        let directory = try TemporaryDirectory()
        let csv = """
            id,age,monthly_income,on_watchlist,employment_type
            1,30,5000000,false,salaried
            2,17,5000000,false,salaried
            3,30,abc,false,salaried
            4,30,2000000,true,unemployed
            5,30,5000000,perhaps,salaried

            """
        try csv.write(toFile: directory.path("in.csv"), atomically: true, encoding: .utf8)
        let run = try credit(["rules", "run", "--policy", policy, "--data", directory.path("in.csv"), "--out", directory.path("out.csv"),
                              "--as-of", "2026-01-01", "--keep", "id"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("5 rows read, 3 screened"))
        #expect(run.stderr.contains("2 rejected"))
        let out = try String(contentsOfFile: directory.path("out.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(out[0] == "id,outcome,rule_hits")
        #expect(out[2].hasPrefix("2,decline,KO-AGE"))
        #expect(out[3].hasPrefix("4,decline,KO-WATCHLIST;KO-INCOME"))
        #expect(out[3].contains("KO-EMPLOYMENT"))
        let rejects = try String(contentsOfFile: directory.path("out.csv.rejects.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(rejects[1] == "in.csv,4,monthly_income,not_a_number,is not a number")
        #expect(rejects[2] == "in.csv,6,on_watchlist,invalid_value,is not true or false")
        let badDate = try credit(["rules", "run", "--policy", policy, "--data", directory.path("in.csv"), "--out", "-", "--as-of", "2026-02-30"])
        #expect(badDate.status == 64 && badDate.stderr.contains("'2026-02-30' is not a date YYYY-MM-DD"))
    }

    @Test("import-jdm prints the decision tables of a GoRules file")
    func importJDM() throws {
        let directory = try TemporaryDirectory()
        let jdm = """
            {"contentType":"application/vnd.gorules.decision","nodes":[{"id":"t","name":"limits","type":"decisionTableNode",
             "content":{"hitPolicy":"first","inputs":[{"id":"i","name":"Grade","field":"grade"}],
             "outputs":[{"id":"o","name":"Max","field":"max_amount"}],"rules":[{"_id":"r1","i":"\\"A\\"","o":"1000"}]}}],"edges":[]}
            """
        try jdm.write(toFile: directory.path("limits.json"), atomically: true, encoding: .utf8)
        let run = try credit(["rules", "import-jdm", directory.path("limits.json")])
        #expect(run.status == 0, "\(run.stderr)")
        let tables = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]]
        #expect(tables.count == 1 && tables[0]["id"] as? String == "limits" && tables[0]["hitPolicy"] as? String == "first")
        let rules = tables[0]["rules"] as! [[String: Any]]
        #expect(rules[0]["when"] as? [String] == ["\"A\""] && rules[0]["then"] as? [String] == ["1000"])
        try "{}".write(toFile: directory.path("empty.json"), atomically: true, encoding: .utf8)
        let empty = try credit(["rules", "import-jdm", directory.path("empty.json")])
        #expect(empty.status == 65 && empty.stderr.contains("nodes: is required but missing"))
    }

    @Test("calibrate fits a monotone table, keeps no-record apart, and stops on an out-of-range score")
    func calibrate() throws {
        let directory = try TemporaryDirectory()
        var rows = ["score,outcome"]
        for index in 0..<400 {
            let score = 300 + (index * 37) % 600
            rows.append("\(score),\(index % 7 < (score < 600 ? 3 : 1) ? "bad" : "good")")
        }
        rows += ["no_record,bad", "no_record,good", "NO_RECORD,good", ",bad"]
        try (rows.joined(separator: "\n") + "\n").write(toFile: directory.path("bureau.csv"), atomically: true, encoding: .utf8)
        let arguments = ["calibrate", "--data", directory.path("bureau.csv"), "--score-column", "score", "--target", "outcome",
                         "--event", "bad", "--bureau", "pefindo", "--minimum", "250", "--maximum", "900", "--out", directory.path("cal.json")]
        let run = try credit(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("bureau.csv: 404 rows: 400 with a score"))
        #expect(run.stdout.contains("3 no record (default rate 0.3333), 1 without an answer"))
        let calibrator = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path("cal.json")))) as! [String: Any]
        let pds = (calibrator["points"] as! [[Double]]).map { $0[1] }
        #expect(pds.count >= 2 && zip(pds, pds.dropFirst()).allSatisfy { $0 >= $1 }, "PD must not rise with the score")
        #expect(calibrator["fittedOn"] as? String == "bureau.csv: 400 rows with a score, 116 defaults")
        let narrow = try credit(arguments.map { $0 == "250" ? "320" : $0 })
        #expect(narrow.status == 65 && narrow.stderr.contains("bureau.csv:2, field 'score': is outside the bureau's range 320.0–900.0"))
    }
}
