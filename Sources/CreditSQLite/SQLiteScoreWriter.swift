import GRDB

/// One scored row for ``SQLiteScoreWriter``.
public struct ScoredRow: Sendable, Equatable {
    /// The input line (CSV) or `rowid` (SQLite): the row's key in the output table.
    public var sourceRow: Int
    /// Values of the kept input columns.
    public var kept: [String]
    public var probabilityOfDefault: Double
    public var score: Double
    /// Reason codes, stored comma-separated in column `reasons` when the table has it.
    public var reasons: [String]?

    public init(sourceRow: Int, kept: [String], probabilityOfDefault: Double, score: Double, reasons: [String]? = nil) {
        self.sourceRow = sourceRow
        self.kept = kept
        self.probabilityOfDefault = probabilityOfDefault
        self.score = score
        self.reasons = reasons
    }
}

/// One rejected row for ``SQLiteScoreWriter``.
public struct RejectedRow: Sendable, Equatable {
    public var sourceRow: Int
    public var source: String
    public var field: String?
    public var reason: String
    public var message: String

    public init(sourceRow: Int, source: String, field: String?, reason: String, message: String) {
        self.sourceRow = sourceRow
        self.source = source
        self.field = field
        self.reason = reason
        self.message = message
    }
}

/// What a scoring run into a SQLite table was made with. It is kept beside the table (`T_run`),
/// so a re-run that would resume with another model or another input is refused.
public struct ScoringRunIdentity: Sendable, Equatable {
    /// `modelId@modelVersion`.
    public var model: String
    public var modelSHA256: String
    /// The input's name (`file.csv`, `file.db:table`).
    public var input: String
    /// What identifies the input's content (size and the digest of its ends, or a table's shape).
    public var inputFingerprint: String

    public init(model: String, modelSHA256: String, input: String, inputFingerprint: String) {
        (self.model, self.modelSHA256, self.input, self.inputFingerprint) = (model, modelSHA256, input, inputFingerprint)
    }
}

/// Writes scores to table `T` and rejects to `T_rejects` of a SQLite database, both keyed by
/// the source row, each batch in one transaction.
///
/// Resumable: rows are written in input order and a batch commits whole or not at all, so after
/// a crash or `kill -9` every row up to ``lastWrittenRow`` is stored and none after it. A re-run
/// skips rows up to it: nothing is duplicated (the key would refuse it) and nothing is lost.
public final class SQLiteScoreWriter {
    /// `file.db:table`.
    public let destinationName: String
    /// The largest source row already stored in either table (`nil` when both are empty; source
    /// rows are SQLite `rowid`s, which may be 0 or negative).
    public private(set) var lastWrittenRow: Int?
    private let queue: DatabaseQueue
    private let insertScore: String
    private let insertReject: String

    /// Opens (creating if needed) `path` and the tables `table` and `table_rejects`, and records
    /// `run` in `table_run` (or checks it against the run recorded there).
    /// - Throws: ``SQLiteError`` when the database cannot be opened, an existing table has other
    ///   columns than this run would write, or the rows stored were made with another model or
    ///   from another input than `run`.
    public init(path: String, table: String, keptColumns: [String], withReasons: Bool = false, run: ScoringRunIdentity? = nil) throws(SQLiteError) {
        let destination = "\(fileName(of: path)):\(table)"
        let scores = quotedIdentifier(table)
        let rejects = quotedIdentifier(table + "_rejects")
        let expected = ["source_row"] + keptColumns + ["probability_of_default", "score"] + (withReasons ? ["reasons"] : [])
        let keptDefinitions = keptColumns.map { "\(quotedIdentifier($0)) TEXT" }
        let definitions = (["source_row INTEGER PRIMARY KEY"] + keptDefinitions
            + ["probability_of_default REAL NOT NULL", "score REAL NOT NULL"] + (withReasons ? ["reasons TEXT NOT NULL"] : []))
            .joined(separator: ", ")
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            lastWrittenRow = try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(scores) (\(definitions))")
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS \(rejects) (source_row INTEGER PRIMARY KEY, source TEXT NOT NULL, \
                    field TEXT, reason TEXT NOT NULL, message TEXT NOT NULL)
                    """)
                let existing = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0[0] as String }
                guard existing == expected else {
                    throw SQLiteError(source: destination, problem: "the table exists with columns \(existing), this run writes \(expected)")
                }
                let lastScore = try Int.fetchOne(db, sql: "SELECT max(source_row) FROM \(scores)")
                let lastReject = try Int.fetchOne(db, sql: "SELECT max(source_row) FROM \(rejects)")
                let last = [lastScore, lastReject].compactMap { $0 }.max()
                if let run { try Self.check(run, table: quotedIdentifier(table + "_run"), hasRows: last != nil, destination: destination, db: db) }
                return last
            }
        } catch let error as SQLiteError {
            throw error
        } catch let error as DatabaseError {
            throw SQLiteError(source: destination, problem: error.message ?? "cannot be opened", kind: SQLiteError.kind(of: error, opening: true))
        } catch {
            throw SQLiteError(source: destination, problem: "cannot be opened: \(error)")
        }
        destinationName = destination
        let placeholders = Array(repeating: "?", count: expected.count).joined(separator: ", ")
        insertScore = "INSERT INTO \(scores) VALUES (\(placeholders))"
        insertReject = "INSERT INTO \(rejects) VALUES (?, ?, ?, ?, ?)"
    }

    /// Records `run` beside the table, or refuses it when the stored rows were made otherwise.
    /// Rows stored before runs were recorded are taken as this run's.
    private static func check(_ run: ScoringRunIdentity, table: String, hasRows: Bool, destination: String, db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(table) (model TEXT NOT NULL, model_sha256 TEXT NOT NULL, input TEXT NOT NULL, \
            input_fingerprint TEXT NOT NULL)
            """)
        guard let stored = try Row.fetchOne(db, sql: "SELECT model, model_sha256, input, input_fingerprint FROM \(table)") else {
            try db.execute(sql: "INSERT INTO \(table) VALUES (?, ?, ?, ?)", arguments: [run.model, run.modelSHA256, run.input, run.inputFingerprint])
            return
        }
        let recorded = ScoringRunIdentity(model: stored[0], modelSHA256: stored[1], input: stored[2], inputFingerprint: stored[3])
        guard hasRows else {
            try db.execute(sql: "DELETE FROM \(table)")
            try db.execute(sql: "INSERT INTO \(table) VALUES (?, ?, ?, ?)", arguments: [run.model, run.modelSHA256, run.input, run.inputFingerprint])
            return
        }
        if recorded.modelSHA256 != run.modelSHA256 {
            throw SQLiteError(
                source: destination,
                problem: "holds rows scored with model \(recorded.model) (sha256 \(recorded.modelSHA256.prefix(12))…); this run uses \(run.model) "
                    + "(sha256 \(run.modelSHA256.prefix(12))…): write to another table, or remove this one to start again")
        }
        if recorded.input != run.input || recorded.inputFingerprint != run.inputFingerprint {
            throw SQLiteError(
                source: destination,
                problem: "holds rows scored from input \(recorded.input), whose content differs from this run's \(run.input) "
                    + "(size or digest): resuming would mix two inputs; write to another table, or remove this one to start again")
        }
    }

    /// Stores one batch in one transaction. Rows must come after ``lastWrittenRow``.
    /// - Throws: ``SQLiteError`` when the transaction fails (it is rolled back).
    public func append(scored: [ScoredRow], rejected: [RejectedRow]) throws(SQLiteError) {
        guard !scored.isEmpty || !rejected.isEmpty else { return }
        do {
            try queue.inTransaction { db in
                let scoreStatement = try db.cachedStatement(sql: insertScore)
                for row in scored {
                    var arguments: [(any DatabaseValueConvertible)?] = [row.sourceRow]
                    arguments += row.kept.map { $0 as (any DatabaseValueConvertible)? }
                    arguments += [row.probabilityOfDefault, row.score]
                    if let reasons = row.reasons { arguments.append(reasons.joined(separator: ",")) }
                    try scoreStatement.execute(arguments: StatementArguments(arguments))
                }
                let rejectStatement = try db.cachedStatement(sql: insertReject)
                for row in rejected {
                    try rejectStatement.execute(arguments: [row.sourceRow, row.source, row.field, row.reason, row.message])
                }
                return .commit
            }
        } catch let error as DatabaseError {
            throw SQLiteError(source: destinationName, problem: error.message ?? "write failed", kind: SQLiteError.kind(of: error, opening: false))
        } catch {
            throw SQLiteError(source: destinationName, problem: "write failed: \(error)")
        }
        lastWrittenRow = ([lastWrittenRow, scored.last?.sourceRow, rejected.last?.sourceRow].compactMap { $0 }).max()
    }
}
