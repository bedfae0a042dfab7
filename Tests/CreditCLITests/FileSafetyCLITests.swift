import CreditTestSupport
import Foundation
import Testing

private let logisticModel = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
private let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")
private let policy = RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json")

/// Regression tests for batch runs that destroyed or cut their own files.
@Suite("credit batch commands never destroy an input or leave a cut file under the final name")
struct FileSafetyCLITests {
    @Test(
        "an output naming the input is refused with exit 64 before anything is opened",
        arguments: [
            ["--out", "{in}"], ["--out", "{dir}/./in.csv"], ["--out", "{link}"], ["--out", "{dir}/o.csv", "--rejects", "{in}"],
            ["--out", "{dir}/o.csv", "--rejects", "{dir}/o.csv"], ["--out", "{dir}/o.csv", "--summary", "{in}"],
            ["--out", "{dir}/o.csv", "--summary", "{model}"],
        ])
    func scoreRefusesSameFile(flags: [String]) throws {
        let directory = try TemporaryDirectory()
        let original = try String(contentsOfFile: germanCredit, encoding: .utf8)
        let input = try directory.write("in.csv", original)
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.csv"), withDestinationPath: input)
        let model = try directory.write("model.json", try String(contentsOfFile: logisticModel, encoding: .utf8))
        let resolved = flags.map {
            $0.replacingOccurrences(of: "{in}", with: input).replacingOccurrences(of: "{dir}", with: directory.path(""))
                .replacingOccurrences(of: "{link}", with: directory.path("link.csv")).replacingOccurrences(of: "{model}", with: model)
        }
        let run = try credit(["score", "--model", model, "--data", input] + resolved)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("are the same file; name a different output"))
        #expect(try directory.read("in.csv") == original)
        #expect(try String(contentsOfFile: model, encoding: .utf8) == String(contentsOfFile: logisticModel, encoding: .utf8))
        #expect(!FileManager.default.fileExists(atPath: directory.path("o.csv")))
    }

    @Test("an output whose temporary OUT.partial would be the input is refused too")
    func partialNameIsInput() throws {
        let directory = try TemporaryDirectory()
        let original = try String(contentsOfFile: germanCredit, encoding: .utf8)
        let input = try directory.write("scores.csv.partial", original)
        let run = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("scores.csv")])
        #expect(run.status == 64, "\(run.stderr)")
        #expect(try directory.read("scores.csv.partial") == original)
    }

    @Test("decide and rules run refuse an output naming the input")
    func decideAndRulesRefuseSameFile() throws {
        let directory = try TemporaryDirectory()
        let original = try String(contentsOfFile: RepositoryPaths.path("datasets/applications_sample.csv"), encoding: .utf8)
        let input = try directory.write("apps.csv", original)
        let decide = try credit(["decide", "--model", scorecard, "--policy", policy, "--data", input, "--out", input])
        #expect(decide.status == 64, "\(decide.stderr)")
        let rules = try credit(["rules", "run", "--policy", policy, "--data", input, "--out", directory.path("o.csv"),
                                "--rejects", input, "--as-of", "2026-01-15"])
        #expect(rules.status == 64, "\(rules.stderr)")
        #expect(try directory.read("apps.csv") == original)
    }

    @Test("an output that cannot be created exits 73 and leaves an earlier output untouched")
    func outputCannotBeCreated() throws {
        let directory = try TemporaryDirectory()
        let previous = try directory.write("o.csv", "previous run\n")
        let run = try credit(["score", "--model", logisticModel, "--data", germanCredit, "--out", previous,
                              "--rejects", directory.path("no-such-directory/r.csv")])
        #expect(run.status == 73, "\(run.stderr)")
        #expect(run.stderr.contains("cannot create"))
        #expect(try directory.read("o.csv") == "previous run\n")
    }

    @Test("a missing model file exits 66")
    func missingModel() throws {
        let directory = try TemporaryDirectory()
        let run = try credit(["score", "--model", directory.path("nope.json"), "--data", germanCredit, "--out", directory.path("o.csv")])
        #expect(run.status == 66, "\(run.stderr)")
    }

    @Test("decide stopped by --max-rejects keeps every row decided before the stop, with headers")
    func decideKeepsRowsBeforeStop() throws {
        let directory = try TemporaryDirectory()
        var lines = try String(contentsOfFile: RepositoryPaths.path("datasets/applications_sample.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(11).map(String.init)
        lines[6] = lines[6].replacingOccurrences(of: ",true,false,", with: ",maybe,false,")  // line 7: ktp_verified
        let input = try directory.write("in.csv", lines.joined(separator: "\n") + "\n")
        let run = try credit(["decide", "--model", scorecard, "--policy", policy, "--data", input,
                              "--out", directory.path("out.csv"), "--keep", "loan_id", "--max-rejects", "0"])
        #expect(run.status == 65, "\(run.stderr)")
        let out = try directory.read("out.csv").split(separator: "\n")
        #expect(out.first?.hasPrefix("loan_id,decision,") == true)
        #expect(out.count == 6, "header and the five rows before line 7")
        let rejects = try directory.read("out.csv.rejects.csv").split(separator: "\n")
        #expect(rejects.count == 2)
        #expect(rejects[1].hasPrefix("in.csv,7,ktp_verified,invalid_value,"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("out.csv.partial")))
    }
}

@Suite("credit score is reproducible per row")
struct ReproducibleScoringCLITests {
    @Test("three shards together are the unsharded output byte for byte, and a row scored alone is the same row in a big file")
    func shardsEqualWhole() throws {
        let directory = try TemporaryDirectory()
        let lines = try String(contentsOfFile: germanCredit, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0]
        let rows = Array(lines.dropFirst())
        // About 7 MB: several 4 MiB blocks, so shards cut blocks differently from the whole run.
        var big = header + "\n"
        var random = SeededGenerator(seed: 2026)
        for _ in 0..<60 { for row in rows.shuffled(using: &random) { big += row + "\n" } }
        let input = try directory.write("big.csv", big)
        func score(_ extra: [String], out: String) throws -> [String] {
            let run = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path(out), "--quiet"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            return try directory.read(out).split(whereSeparator: \.isNewline).map(String.init)
        }
        let whole = try score([], out: "whole.csv")
        #expect(whole.count == 60 * rows.count + 1)
        var union = [whole[0]]
        var shardRows: [String] = []
        for index in 1...3 {
            let part = try score(["--shard", "\(index)/3"], out: "shard\(index).csv")
            #expect(part.first == whole[0])
            shardRows += part.dropFirst()
        }
        union += shardRows.sorted { Int($0.prefix { $0 != "," })! < Int($1.prefix { $0 != "," })! }
        #expect(union == whole)
        // The first data row alone.
        let single = try directory.write("one.csv", header + "\n" + big.split(whereSeparator: \.isNewline)[1] + "\n")
        let alone = try credit(["score", "--model", logisticModel, "--data", single, "--out", directory.path("one.out.csv")])
        #expect(alone.status == 0)
        let aloneRow = try directory.read("one.out.csv").split(whereSeparator: \.isNewline)[1]
        #expect(aloneRow.drop { $0 != "," } == whole[1].drop { $0 != "," })
    }
}

@Suite("credit decide and score refuse inputs they would misread, and report every outcome")
struct BatchOutcomeCLITests {
    @Test("decide refuses a missing, padded or differently cased engine column before any work, naming it", arguments: [
        ("ktp_verified", ""), ("ktp_verified", " ktp_verified"), ("monthly_income", "Monthly_Income"),
    ])
    func decideRefusesMissingColumn(column: String, replacement: String) throws {
        let directory = try TemporaryDirectory()
        var lines = try String(contentsOfFile: RepositoryPaths.path("datasets/applications_sample.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(6).map(String.init)
        var names = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let position = try #require(names.firstIndex(of: column))
        if replacement.isEmpty {
            names.remove(at: position)
            lines = [names.joined(separator: ",")] + lines.dropFirst().map { line in
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells.remove(at: position)
                return cells.joined(separator: ",")
            }
        } else {
            names[position] = replacement
            lines[0] = names.joined(separator: ",")
        }
        let input = try directory.write("in.csv", lines.joined(separator: "\n") + "\n")
        let run = try credit(["decide", "--model", scorecard, "--policy", policy, "--data", input, "--out", directory.path("out.csv")])
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("field '\(column)': required column is not in the header"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("out.csv")))
    }

    @Test("an unwritable --summary exits 74 with a message, after the run's own summary line")
    func unwritableSummary() throws {
        let directory = try TemporaryDirectory()
        let run = try credit(["score", "--model", logisticModel, "--data", germanCredit, "--out", directory.path("o.csv"),
                              "--summary", directory.path("no-such-directory/summary.json")])
        #expect(run.status == 74, "\(run.stderr)")
        #expect(run.stderr.contains("read 1000, scored 1000, rejected 0"))
        #expect(run.stderr.contains("credit: cannot write the summary"))
        // A run stopped by --max-rejects still says why it stopped.
        let text = try String(contentsOfFile: germanCredit, encoding: .utf8)
        let bad = try directory.write("bad.csv", text + "no checking account,12\n")
        let stopped = try credit(["score", "--model", logisticModel, "--data", bad, "--out", directory.path("p.csv"),
                                  "--max-rejects", "0", "--summary", directory.path("no-such-directory/summary.json")])
        #expect(stopped.status == 74, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("stopped: 1 rows rejected, more than the limit of 0"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("credit: cannot write the summary"))
    }
}

@Suite("credit score rejects an oversized row and scores the rest")
struct OversizedRowCLITests {
    @Test("a 17 MiB quoted field, a 40 MiB unquoted one and a 150,000-field row are three rejects; every other row is scored; no value is echoed")
    func oversizedRows() throws {
        let directory = try TemporaryDirectory()
        let lines = try String(contentsOfFile: germanCredit, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        var text = lines[0] + "\n"
        for (index, line) in lines.dropFirst().enumerated() {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            switch index {
            case 10: cells[3] = "\"" + String(repeating: "x", count: 17 << 20) + "\""
            case 20: cells[3] = String(repeating: "y", count: 40 << 20)
            case 30: cells = Array(repeating: "1", count: 150_000)
            default: break
            }
            text += cells.joined(separator: ",") + "\n"
        }
        let input = try directory.write("in.csv", text)
        let run = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("out.csv"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("read 1000, scored 997, rejected 3"), "\(run.stderr)")
        let rejects = try directory.read("out.csv.rejects.csv").split(separator: "\n").dropFirst()
        #expect(rejects.map { $0.split(separator: ",")[1] } == ["12", "22", "32"])
        #expect(rejects.allSatisfy { $0.contains("oversized_row") && !$0.contains("xxxx") && !$0.contains("yyyy") })
        #expect(try directory.read("out.csv").split(separator: "\n").count == 998)
    }
}
