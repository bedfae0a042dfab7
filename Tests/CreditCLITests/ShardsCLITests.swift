import CreditTestSupport
import Foundation
import Testing

private let logisticModel = RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json")
private let scorecard = RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")

/// `credit shards reconcile` over real sharded `credit score` runs.
@Suite("credit shards reconcile checks that shards add up and merges them into the unsharded output")
struct ShardsCLITests {
    /// German-credit rows with an `id` column, some ids quoted over two lines (so line numbers
    /// and row numbers part), blank lines, and rows that are rejected (not a number, ragged).
    static func hostileInput(rows count: Int, seed: UInt64) throws -> String {
        let lines = try String(contentsOfFile: germanCredit, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        var random = SeededGenerator(seed: seed)
        var text = "id," + lines[0] + "\n"
        for index in 0..<count {
            var cells = lines[Int.random(in: 1..<lines.count, using: &random)]
            let id = index % 53 == 3 ? "\"app \(index)\nsecond line, with a comma\"" : "app-\(index)"
            if index % 41 == 7 {
                var fields = cells.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                fields[1] = "six"
                cells = fields.joined(separator: ",")
            }
            if index % 67 == 11 { cells += ",extra" }
            text += id + "," + cells + "\n"
            if index % 101 == 50 { text += "\n" }
        }
        return text
    }

    /// Scores `input` in `count` shards into `directory/shards`, summaries beside the outputs.
    static func scoreShards(_ input: String, count: Int, in directory: TemporaryDirectory, model: (Int) -> String = { _ in logisticModel },
                            extra: (Int) -> [String] = { _ in [] }) throws {
        try FileManager.default.createDirectory(atPath: directory.path("shards"), withIntermediateDirectories: true)
        for index in 1...count {
            let run = try credit([
                "score", "--model", model(index), "--data", input, "--out", directory.path("shards/part-\(index).csv"),
                "--shard", "\(index)/\(count)", "--summary", directory.path("shards/part-\(index).json"), "--quiet",
            ] + extra(index))
            #expect(run.status == 0 || run.status == 65, "\(run.stderr)")
        }
    }

    @Test("a complete set reconciles and merges byte for byte into the unsharded scores and rejects", arguments: [1, 3, 4])
    func mergeEqualsWhole(count: Int) throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", try Self.hostileInput(rows: 2500, seed: UInt64(count)))
        let whole = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("whole.csv"), "--quiet"])
        #expect(whole.status == 0, "\(whole.stderr)")
        try Self.scoreShards(input, count: count, in: directory)
        let checked = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("\(count) shards reconcile: 2500 input rows, read 2500"), "\(checked.stdout)")
        let merged = try credit(["shards", "reconcile", "--summaries", directory.path("shards"), "--merge", directory.path("merged.csv")])
        #expect(merged.status == 0, "\(merged.stderr)")
        let rejects = try directory.read("whole.csv.rejects.csv")
        #expect(rejects.split(separator: "\n").count > 50, "the input must have rejects for the test to mean anything")
        #expect(try directory.read("merged.csv") == directory.read("whole.csv"))
        #expect(try directory.read("merged.csv.rejects.csv") == rejects)
    }

    @Test("a missing shard is named, exit 65, and no merge is written")
    func missingShard() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", try Self.hostileInput(rows: 600, seed: 5))
        try Self.scoreShards(input, count: 3, in: directory)
        try FileManager.default.removeItem(atPath: directory.path("shards/part-2.json"))
        let run = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(run.status == 65)
        #expect(run.stderr.contains("missing shard 2/3"), "\(run.stderr)")
        let merge = try credit(["shards", "reconcile", "--summaries", directory.path("shards"), "--merge", directory.path("m.csv")])
        #expect(merge.status == 65)
        #expect(merge.stderr.contains("cannot merge the shards: missing shard 2/3"), "\(merge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m.csv")))
    }

    @Test("a shard run twice (two summaries of shard 1) is named with both files")
    func duplicatedShard() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", try Self.hostileInput(rows: 600, seed: 6))
        try Self.scoreShards(input, count: 2, in: directory)
        let again = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("shards/again.csv"),
                                "--shard", "1/2", "--summary", directory.path("shards/again.json"), "--quiet"])
        #expect(again.status == 0)
        let run = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(run.status == 65)
        #expect(run.stderr.contains("shard 1/2 appears 2 times: again.json, part-1.json"), "\(run.stderr)")
    }

    @Test("a shard scored with another model, over another input, cut into another count or stopped early is named")
    func mismatchedShards() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", try Self.hostileInput(rows: 900, seed: 7))
        try Self.scoreShards(input, count: 3, in: directory, model: { $0 == 2 ? scorecard : logisticModel })
        let model = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(model.status == 65)
        #expect(model.stderr.contains("part-2.json: scored with model pd-german-credit-scorecard@1.0.0"), "\(model.stderr)")

        // Shard 3 over a file that differs in one byte.
        try Self.scoreShards(input, count: 3, in: directory)
        let edited = try directory.write("edited.csv", try String(contentsOfFile: input, encoding: .utf8).replacingOccurrences(of: "app-5,", with: "app-6,"))
        let other = try credit(["score", "--model", logisticModel, "--data", edited, "--out", directory.path("shards/part-3.csv"),
                                "--shard", "3/3", "--summary", directory.path("shards/part-3.json"), "--quiet"])
        #expect(other.status == 0)
        let input3 = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(input3.status == 65)
        #expect(input3.stderr.contains("part-3.json: read another input than part-1.json"), "\(input3.stderr)")

        // Shard 3 of 4 in a set of 3, and a shard stopped by --max-rejects.
        try Self.scoreShards(input, count: 3, in: directory, extra: { $0 == 2 ? ["--max-rejects", "1"] : [] })
        let four = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("shards/part-3.csv"),
                               "--shard", "3/4", "--summary", directory.path("shards/part-3.json"), "--quiet"])
        #expect(four.status == 0)
        let mixed = try credit(["shards", "reconcile", "--summaries", directory.path("shards")])
        #expect(mixed.status == 65)
        #expect(mixed.stderr.contains("part-3.json: cut into 4 shards, part-1.json into 3"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("part-2.json: shard 2/3 stopped early: more than 1 rows rejected"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("missing shard 3/3"), "\(mixed.stderr)")
    }

    @Test("a shard output cut or padded after its run is refused at merge; a moved directory is still found")
    func tamperedAndMovedOutputs() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.csv", try Self.hostileInput(rows: 700, seed: 8))
        let whole = try credit(["score", "--model", logisticModel, "--data", input, "--out", directory.path("whole.csv"), "--quiet"])
        #expect(whole.status == 0)
        try Self.scoreShards(input, count: 2, in: directory)
        // The summaries record absolute paths; moving the directory leaves them wrong, so the outputs are found beside the summaries.
        try FileManager.default.moveItem(atPath: directory.path("shards"), toPath: directory.path("moved"))
        let moved = try credit(["shards", "reconcile", "--summaries", directory.path("moved"), "--merge", directory.path("merged.csv")])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(try directory.read("merged.csv") == directory.read("whole.csv"))

        let part = try directory.read("moved/part-2.csv")
        // The last row of part 2 is on one line (its id is not a quoted two-line one).
        _ = try directory.write("moved/part-2.csv", part.split(separator: "\n").dropLast().joined(separator: "\n") + "\n")
        let cut = try credit(["shards", "reconcile", "--summaries", directory.path("moved"), "--merge", directory.path("cut.csv")])
        #expect(cut.status == 65)
        #expect(cut.stderr.contains("part-2.json: part-2.csv has fewer rows than its summary counts"), "\(cut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("cut.csv")))
        _ = try directory.write("moved/part-2.csv", part + part.split(separator: "\n").last! + "\n")
        let padded = try credit(["shards", "reconcile", "--summaries", directory.path("moved"), "--merge", directory.path("padded.csv")])
        #expect(padded.status == 65)
        #expect(padded.stderr.contains("part-2.csv has more rows than its summary counts"), "\(padded.stderr)")
    }

    @Test("an unsharded summary, a file that is not a summary, and an empty directory are refused")
    func notShardSummaries() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("s"), withIntermediateDirectories: true)
        let empty = try credit(["shards", "reconcile", "--summaries", directory.path("s")])
        #expect(empty.status == 66)
        #expect(empty.stderr.contains("no *.json summaries"), "\(empty.stderr)")
        let run = try credit(["score", "--model", logisticModel, "--data", germanCredit, "--out", directory.path("s/whole.csv"),
                              "--summary", directory.path("s/whole.json"), "--quiet"])
        #expect(run.status == 0)
        let unsharded = try credit(["shards", "reconcile", "--summaries", directory.path("s")])
        #expect(unsharded.status == 65)
        #expect(unsharded.stderr.contains("whole.json: not a sharded run"), "\(unsharded.stderr)")
        _ = try directory.write("s/zz.json", "{\"summary\": 1}")
        let garbage = try credit(["shards", "reconcile", "--summaries", directory.path("s")])
        #expect(garbage.status == 65)
        #expect(garbage.stderr.contains("zz.json: not a credit score --summary file"), "\(garbage.stderr)")
    }
}
