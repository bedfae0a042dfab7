import CreditBatch
import CreditEngine
import CreditSQLite
import CreditTestSupport
import Foundation
import Testing

@Suite("Scoring from and to SQLite")
struct SQLiteScoringTests {
    @Test("SQLite types become feature values; bad rows are rejected with their rowid and field")
    func typesAndRejects() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("apps.db")
        try sqlite(database, """
            CREATE TABLE apps (id TEXT, income, age, region);
            INSERT INTO apps VALUES ('a', 5, 30, 'jakarta');
            INSERT INTO apps VALUES ('b', NULL, 40.0, 'bandung');
            INSERT INTO apps VALUES ('c', ' 2.5 ', '31', 'jakarta');
            INSERT INTO apps VALUES ('d', '1,5', 30, 'jakarta');
            INSERT INTO apps VALUES ('e', 1, 30, 'surabaya');
            INSERT INTO apps VALUES ('f', 1, NULL, 'jakarta');
            INSERT INTO apps VALUES ('g', 1, 'nan', 'jakarta');
            """)
        let output = directory.path("out.db")
        var options = ScoringJobOptions(input: .sqlite(path: database, table: "apps"), output: .sqlite(path: output, table: "scores"))
        options.batchSize = 2
        let summary = try await ScoringJob.run(bundle: testBundle(), options: options)
        #expect(summary.rowsRead == 7 && summary.rowsScored == 3 && summary.rowsRejected == 4 && summary.reconciles)
        #expect(try sqliteRows(output, "SELECT source_row, id FROM scores ORDER BY source_row") == ["1|a", "2|b", "3|c"])
        #expect(try sqliteRows(output, "SELECT source_row, source, field, reason FROM scores_rejects ORDER BY source_row") == [
            "4|apps.db:apps|income|not_a_number", "5|apps.db:apps|region|unknown_category",
            "6|apps.db:apps|age|missing_value", "7|apps.db:apps|age|not_finite",
        ])
        // b has no income: imputed 3 → η = −1 − 1.5 + 0.8 + 0.3; compare with the single-record path.
        let expected = try testBundle().score(["income": .number(3), "age": .number(40), "region": .category("bandung")])
        let stored = try sqliteRows(output, "SELECT probability_of_default FROM scores WHERE id = 'b'")
        #expect(isClose(Double(stored[0])!, expected.probabilityOfDefault, relative: 1e-15))
    }

    @Test("numbers in SQLite text cells follow the CSV grammar: hex, underscores and infinities are refused as in a CSV file")
    func oneNumberGrammar() async throws {
        let directory = try TemporaryDirectory()
        let cells = ["0x10", "1_000", " +1e2 ", "infinity", "0b1", "  ", "2.5e-1", "1e400", "١٢"]
        let database = directory.path("apps.db")
        try sqlite(database, "CREATE TABLE apps (income TEXT, age, region);"
            + cells.map { "INSERT INTO apps VALUES ('\($0)', 30, 'jakarta');" }.joined())
        let csv = directory.path("apps.csv")
        try ("income,age,region\n" + cells.map { "\($0),30,jakarta\n" }.joined()).write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(
            input: .sqlite(path: database, table: "apps"), output: .sqlite(path: directory.path("from-sqlite.db"), table: "s")))
        _ = try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(
            input: .csv(path: csv), output: .sqlite(path: directory.path("from-csv.db"), table: "s")))
        let fromSQLite = try sqliteRows(directory.path("from-sqlite.db"), "SELECT source_row, field, reason FROM s_rejects ORDER BY source_row")
        // CSV lines count the header: line n + 1 is SQLite row n.
        let fromCSV = try sqliteRows(directory.path("from-csv.db"), "SELECT source_row - 1, field, reason FROM s_rejects ORDER BY source_row")
        #expect(fromSQLite == fromCSV)
        #expect(fromSQLite == ["1|income|not_a_number", "2|income|not_a_number", "4|income|not_finite", "5|income|not_a_number",
                               "8|income|not_finite", "9|income|not_a_number"], "\(fromSQLite)")
        let scored = try sqliteRows(directory.path("from-sqlite.db"), "SELECT probability_of_default FROM s ORDER BY source_row")
        #expect(scored == (try sqliteRows(directory.path("from-csv.db"), "SELECT probability_of_default FROM s ORDER BY source_row")))
    }

    @Test("rows whose rowid is 0 or negative are read, counted and sharded exactly once")
    func zeroAndNegativeRowids() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("apps.db")
        try sqlite(database, """
            CREATE TABLE apps (id TEXT, income, age, region);
            INSERT INTO apps (rowid, id, income, age, region) VALUES (-7, 'm7', 1, 30, 'jakarta');
            INSERT INTO apps (rowid, id, income, age, region) VALUES (-1, 'm1', 2, 31, 'jakarta');
            INSERT INTO apps (rowid, id, income, age, region) VALUES (0, 'z', 3, 32, 'bandung');
            INSERT INTO apps (rowid, id, income, age, region) VALUES (1, 'p1', 4, 33, 'jakarta');
            INSERT INTO apps (rowid, id, income, age, region) VALUES (5, 'p5', 5, 34, 'bandung');
            """)
        let whole = try await ScoringJob.run(
            bundle: testBundle(),
            options: ScoringJobOptions(input: .sqlite(path: database, table: "apps"), output: .sqlite(path: directory.path("all.db"), table: "s")))
        #expect(whole.rowsRead == 5 && whole.rowsScored == 5)
        #expect(try sqliteRows(directory.path("all.db"), "SELECT source_row, id FROM s ORDER BY source_row") == ["-7|m7", "-1|m1", "0|z", "1|p1", "5|p5"])
        var union: [String] = []
        for index in 1...3 {
            var options = ScoringJobOptions(
                input: .sqlite(path: database, table: "apps"), output: .sqlite(path: directory.path("shard\(index).db"), table: "s"))
            options.shard = Shard("\(index)/3")
            let summary = try await ScoringJob.run(bundle: testBundle(), options: options)
            #expect(summary.rowsRead + summary.rowsInOtherShards == 5)
            union += try sqliteRows(directory.path("shard\(index).db"), "SELECT source_row, id FROM s")
        }
        #expect(union.sorted() == ["-1|m1", "-7|m7", "0|z", "1|p1", "5|p5"])
        // A rerun on the complete store resumes after its last row and reads nothing again.
        let rerun = try await ScoringJob.run(
            bundle: testBundle(),
            options: ScoringJobOptions(input: .sqlite(path: database, table: "apps"), output: .sqlite(path: directory.path("all.db"), table: "s")))
        #expect(rerun.resumedAfterRow == 5 && rerun.rowsRead == 0 && rerun.rowsAlreadyStored == 5)
    }

    @Test("a missing SQLite input is reported as missing, not as bad content")
    func missingInput() async throws {
        let directory = try TemporaryDirectory()
        let options = ScoringJobOptions(input: .sqlite(path: directory.path("nope.db"), table: "apps"), output: .sqlite(path: directory.path("o.db"), table: "s"))
        await #expect(throws: BatchError.sqlite(SQLiteError(source: "nope.db:apps", problem: "no such database file", kind: .inputMissing))) {
            try await ScoringJob.run(bundle: testBundle(), options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("nope.db")))
    }

    @Test("a second run resumes after the last stored row: nothing duplicated, nothing lost")
    func resumeAfterStoredRows() async throws {
        let directory = try TemporaryDirectory()
        var text = "id,income,age,region\n"
        for row in 1...40 { text += "r\(row),\(row % 7),\(20 + row),jakarta\n" }
        let input = try directory.write("in.csv", text)
        let output = directory.path("out.db")
        // A first run that stored the rows of lines 2…21, as if killed after its first batches.
        try sqlite(output, """
            CREATE TABLE scores (source_row INTEGER PRIMARY KEY, "id" TEXT, probability_of_default REAL NOT NULL, score REAL NOT NULL);
            CREATE TABLE scores_rejects (source_row INTEGER PRIMARY KEY, source TEXT NOT NULL, field TEXT, reason TEXT NOT NULL, message TEXT NOT NULL);
            WITH RECURSIVE n(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM n WHERE x < 21)
            INSERT INTO scores SELECT x, 'r' || (x - 1), 0.5, 600 FROM n;
            """)
        let summary = try await ScoringJob.run(
            bundle: testBundle(), options: ScoringJobOptions(input: .csv(path: input), output: .sqlite(path: output, table: "scores")))
        #expect(summary.resumedAfterRow == 21 && summary.rowsAlreadyStored == 20)
        #expect(summary.rowsRead == 20 && summary.rowsScored == 20)
        #expect(try sqliteRows(output, "SELECT count(*), count(DISTINCT source_row), min(source_row), max(source_row) FROM scores") == ["40|40|2|41"])
        #expect(try sqliteRows(output, "SELECT id FROM scores WHERE source_row = 22") == ["r21"])
    }

    @Test("a SQLite output resumed with another model or from another input is refused; with the same run it resumes")
    func resumeRefusesAnotherRun() async throws {
        let directory = try TemporaryDirectory()
        var text = "id,income,age,region\n"
        for row in 1...40 { text += "r\(row),\(row % 7),\(20 + row),jakarta\n" }
        let input = try directory.write("in.csv", text)
        let output = directory.path("out.db")
        let options = ScoringJobOptions(input: .csv(path: input), output: .sqlite(path: output, table: "scores"))
        let first = try await ScoringJob.run(bundle: testBundle(), options: options)
        #expect(first.rowsScored == 40)
        let again = try await ScoringJob.run(bundle: testBundle(), options: options)
        #expect(again.rowsAlreadyStored == 40 && again.rowsRead == 0)
        await #expect {
            try await ScoringJob.run(bundle: testBundle(version: "1.0.1"), options: options)
        } throws: { error in
            guard case .sqlite(let problem) = error as? BatchError else { return false }
            return problem.problem.contains("holds rows scored with model test-model@1.0.0") && problem.kind == .content
        }
        // The same file name with other content (one cell changed).
        try text.replacingOccurrences(of: "r7,0,27", with: "r7,0,72").write(toFile: input, atomically: true, encoding: .utf8)
        await #expect {
            try await ScoringJob.run(bundle: testBundle(), options: options)
        } throws: { error in
            guard case .sqlite(let problem) = error as? BatchError else { return false }
            return problem.problem.contains("holds rows scored from input in.csv, whose content differs")
        }
        #expect(try sqliteRows(output, "SELECT count(*) FROM scores") == ["40"], "nothing was appended by a refused run")
        // Another table of the same database is another run.
        let other = try await ScoringJob.run(
            bundle: testBundle(), options: ScoringJobOptions(input: .csv(path: input), output: .sqlite(path: output, table: "scores_v2")))
        #expect(other.rowsScored == 40)
    }

    @Test("missing databases, tables and mismatched output tables are clear errors")
    func errors() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("apps.db")
        try sqlite(database, "CREATE TABLE apps (income, age, region);")
        await #expect(throws: BatchError.sqlite(SQLiteError(source: "apps.db:nope", problem: "no such table"))) {
            try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(
                input: .sqlite(path: database, table: "nope"), output: .sqlite(path: directory.path("o.db"), table: "s")))
        }
        try sqlite(directory.path("o.db"), "CREATE TABLE s (x);")
        await #expect(throws: BatchError.sqlite(SQLiteError(
            source: "o.db:s", problem: "the table exists with columns [\"x\"], this run writes [\"source_row\", \"probability_of_default\", \"score\"]"))) {
            try await ScoringJob.run(bundle: testBundle(), options: ScoringJobOptions(
                input: .sqlite(path: database, table: "apps"), output: .sqlite(path: directory.path("o.db"), table: "s")))
        }
    }
}
