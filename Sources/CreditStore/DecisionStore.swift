import CreditAudit
public import Foundation
import GRDB

/// A decision to store: the model's score row and the policy's evaluation row, the encrypted
/// inputs, and the API response (kept byte for byte for idempotent replays).
public struct NewDecision: Sendable {
    public var scoreId: String
    public var evaluationId: String
    /// UTC, ISO 8601.
    public var createdAt: String
    public var eventId: String
    public var loanId: String
    public var userId: String
    public var amount: Double
    public var tenorMonths: Double?
    public var applicationDate: String
    public var modelId: String
    public var modelVersion: String
    public var modelSHA256: String
    public var score: Double?
    public var probabilityOfDefault: Double?
    public var grade: String?
    public var policyId: String
    public var policyVersion: String
    public var policySHA256: String
    public var decision: String
    /// Rule hits and reasons as JSON text (no personal data).
    public var ruleHitsJSON: String
    public var reasonsJSON: String
    /// The applicant's inputs as JSON: encrypted before they reach the database.
    public var inputsJSON: Data
    /// The idempotency key and the SHA-256 of the request body.
    public var idempotencyKey: String
    public var requestSHA256: String
    /// The HTTP status and body returned.
    public var responseStatus: Int
    public var responseBody: Data
    /// A second hash the same request may have been stored under (the SHA-256 of its raw bytes,
    /// as stores written before canonical request hashes hold).
    public var legacyRequestSHA256: String?

    public init(
        scoreId: String, evaluationId: String, createdAt: String, eventId: String, loanId: String, userId: String, amount: Double,
        tenorMonths: Double?, applicationDate: String, modelId: String, modelVersion: String, modelSHA256: String, score: Double?,
        probabilityOfDefault: Double?, grade: String?, policyId: String, policyVersion: String, policySHA256: String, decision: String,
        ruleHitsJSON: String, reasonsJSON: String, inputsJSON: Data, idempotencyKey: String, requestSHA256: String, responseStatus: Int,
        responseBody: Data, legacyRequestSHA256: String? = nil
    ) {
        self.legacyRequestSHA256 = legacyRequestSHA256
        (self.scoreId, self.evaluationId, self.createdAt, self.eventId, self.loanId, self.userId) = (scoreId, evaluationId, createdAt, eventId, loanId, userId)
        (self.amount, self.tenorMonths, self.applicationDate) = (amount, tenorMonths, applicationDate)
        (self.modelId, self.modelVersion, self.modelSHA256, self.score, self.probabilityOfDefault, self.grade) =
            (modelId, modelVersion, modelSHA256, score, probabilityOfDefault, grade)
        (self.policyId, self.policyVersion, self.policySHA256, self.decision) = (policyId, policyVersion, policySHA256, decision)
        (self.ruleHitsJSON, self.reasonsJSON, self.inputsJSON) = (ruleHitsJSON, reasonsJSON, inputsJSON)
        (self.idempotencyKey, self.requestSHA256, self.responseStatus, self.responseBody) = (idempotencyKey, requestSHA256, responseStatus, responseBody)
    }
}

/// A stored response, returned again for a repeated idempotency key or a GET.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data
    /// SHA-256 of the request that produced it.
    public var requestSHA256: String

    /// SHA-256 of `"<status>\n"` followed by the body: what the audit chain records of the answer.
    static func digest(status: Int, body: Data) -> String {
        var bytes = Data("\(status)\n".utf8)
        bytes.append(body)
        return ContentDigest.sha256Hex(bytes)
    }
}

/// The append-only, hash-chained store of decisions (SQLite through GRDB).
///
/// Tables `credit_scores` and `risk_evaluations` each form a chain: every row carries the hash of
/// the previous row and its own hash over its content (``AuditChain``); triggers refuse UPDATE
/// and DELETE. `idempotency_keys` is append-only too. `audit_head` holds each chain's last
/// sequence number and hash with an HMAC under the store's secret, so a truncated chain shows.
///
/// What the Loan service was told is chained too: each `risk_evaluations` row's hash covers the
/// digest of the stored response (status and bytes), and the response carries an HMAC under the
/// store's secret binding it to its score id. Every read of a stored response (a GET, an
/// idempotent retry) checks that HMAC and refuses to serve bytes that fail it. Opening a store
/// checks that every append-only trigger exists with its exact SQL.
/// The database runs in WAL mode with `synchronous=FULL`: a decision is on disk before its
/// response is sent.
public final class DecisionStore: Sendable {
    let pool: DatabasePool
    let secret: StoreSecret
    public let path: String
    /// Where each committed batch's signed checkpoints go; none when not configured.
    private let checkpoints: CheckpointLog?

    /// Opens the store, creating it only when `create` is true.
    /// - Throws: ``StoreError/missingStore(_:)`` for a path without a store and `create` false;
    ///   ``StoreError/schema(_:)`` when an append-only trigger is missing or altered;
    ///   ``StoreError/database(_:)``.
    public init(path: String, secret: StoreSecret, create: Bool = true, checkpoints: CheckpointLog? = nil) throws(StoreError) {
        guard create || FileManager.default.fileExists(atPath: path) else { throw .missingStore(path) }
        var configuration = Configuration()
        // Another writer (a second instance during a rolling deploy, a maintenance command) makes
        // this one wait up to 5 s for the lock instead of failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database("\(path): \(error)")
        }
        let problems: [String]
        do { problems = try pool.read(Self.schemaProblems) } catch { throw .database("\(path): \(error)") }
        if let problem = problems.first { throw .schema(problem) }
        self.secret = secret
        self.path = path
        self.checkpoints = checkpoints
    }

    /// The tables whose rows may never change, and their triggers' exact SQL.
    static let appendOnlyTriggers: [(name: String, sql: String)] = ["credit_scores", "risk_evaluations", "idempotency_keys"].flatMap { table in
        [("update", "UPDATE"), ("delete", "DELETE")].map { suffix, statement in
            ("\(table)_no_\(suffix)",
             "CREATE TRIGGER \(table)_no_\(suffix) BEFORE \(statement) ON \(table) BEGIN SELECT RAISE(ABORT, '\(table) is append-only'); END")
        }
    }

    /// Append-only triggers that are missing or whose SQL differs from ``appendOnlyTriggers``.
    static func schemaProblems(_ db: Database) throws -> [String] {
        var stored: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
            if let name = row["name"] as String?, let sql = row["sql"] as String? { stored[name] = sql }
        }
        return appendOnlyTriggers.compactMap { trigger in
            guard let sql = stored[trigger.name] else { return "the append-only trigger \(trigger.name) is missing" }
            return sql == trigger.sql ? nil : "the append-only trigger \(trigger.name) has been altered"
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE credit_scores (
                  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, event_id TEXT NOT NULL,
                  loan_id TEXT NOT NULL, user_id TEXT NOT NULL, amount REAL NOT NULL, tenor_months REAL, application_date TEXT NOT NULL,
                  model_id TEXT NOT NULL, model_version TEXT NOT NULL, model_sha256 TEXT NOT NULL,
                  score REAL, pd REAL, grade TEXT, inputs_encrypted BLOB NOT NULL,
                  prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL);
                CREATE INDEX credit_scores_loan ON credit_scores(loan_id);
                CREATE TABLE risk_evaluations (
                  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, score_id TEXT NOT NULL REFERENCES credit_scores(id),
                  created_at TEXT NOT NULL, policy_id TEXT NOT NULL, policy_version TEXT NOT NULL, policy_sha256 TEXT NOT NULL,
                  decision TEXT NOT NULL, rule_hits TEXT NOT NULL, reasons TEXT NOT NULL,
                  prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL);
                CREATE TABLE idempotency_keys (
                  key TEXT PRIMARY KEY, request_sha256 TEXT NOT NULL, score_id TEXT NOT NULL,
                  status INTEGER NOT NULL, response BLOB NOT NULL, created_at TEXT NOT NULL);
                CREATE TABLE audit_head (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, row_hash TEXT NOT NULL, mac TEXT NOT NULL);
                """)
            for trigger in appendOnlyTriggers { try db.execute(sql: trigger.sql) }
        }
        migrator.registerMigration("v2 response in the chain") { db in
            // Rows written before v2 have NULLs here; their hashes leave the digest out.
            try db.execute(sql: """
                ALTER TABLE risk_evaluations ADD COLUMN response_sha256 TEXT;
                ALTER TABLE idempotency_keys ADD COLUMN response_mac TEXT;
                """)
        }
        migrator.registerMigration("v3 events") { db in
            // The one-decision-per-event check runs in every write: both sides of its join indexed.
            try db.execute(sql: """
                CREATE INDEX credit_scores_event ON credit_scores(event_id);
                CREATE INDEX idempotency_keys_score ON idempotency_keys(score_id);
                """)
        }
        return migrator
    }

    /// The columns a stored response is read with, for ``checkedResponse(_:)``.
    private static let responseColumns = "k.score_id, k.status, k.response, k.request_sha256, k.response_mac"

    /// The stored response of an `idempotency_keys` row (``responseColumns``), after checking its
    /// HMAC. Rows from before the response was authenticated (no MAC) are served as they are.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when the bytes, status or score id were altered.
    private func checkedResponse(_ row: Row) throws -> StoredResponse {
        let scoreId = try row.decode(String.self, forColumn: "score_id")
        let response = StoredResponse(
            status: try row.decode(Int.self, forColumn: "status"), body: try row.decode(Data.self, forColumn: "response"),
            requestSHA256: try row.decode(String.self, forColumn: "request_sha256"))
        if let mac = try row.decode(String?.self, forColumn: "response_mac") {
            let digest = StoredResponse.digest(status: response.status, body: response.body)
            guard mac == secret.mac(Self.responseMACText(scoreId: scoreId, digest: digest)) else {
                throw StoreError.integrity(scoreId: scoreId)
            }
        }
        return response
    }

    /// The caller part of a scoped idempotency key (`caller/key`).
    private static func caller(of scopedKey: String) -> Substring? {
        scopedKey.lastIndex(of: "/").map { scopedKey[..<$0] }
    }

    /// What a stored response's HMAC covers.
    static func responseMACText(scoreId: String, digest: String) -> String { "response|\(scoreId)|\(digest)" }

    /// The stored response for an idempotency key, if the key was used.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when the stored response was altered.
    public func response(forKey key: String) throws(StoreError) -> StoredResponse? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.responseColumns) FROM idempotency_keys k WHERE k.key = ?"), arguments: [key])
                .map(checkedResponse)
        }
    }

    /// Runs a read, mapping failures to ``StoreError``.
    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Stores decisions in one transaction (one disk sync for the batch): for each, both chained
    /// rows and the idempotency key; each chain's head once, after them. A key stored meanwhile
    /// (by another process) returns that response instead; with another request body it is a
    /// conflict. Either affects only its own decision.
    /// - Throws: ``StoreError/database(_:)`` when the transaction fails (then none is stored).
    public func record(_ batch: [NewDecision]) throws(StoreError) -> [Result<StoredResponse, StoreError>] {
        var sealed: [Data] = []
        for decision in batch { sealed.append(try secret.seal(decision.inputsJSON, context: decision.scoreId)) }
        do {
            var advanced: [(chain: String, seq: Int64, head: String)] = []
            let results = try pool.write { db in
                // The chains' ends, read once and carried through the batch in memory.
                var links = ChainLinks(scores: try Self.lastLink(db, chain: "credit_scores"), evaluations: try Self.lastLink(db, chain: "risk_evaluations"))
                let start = links
                let results = try zip(batch, sealed).map { decision, encrypted -> Result<StoredResponse, StoreError> in
                    do {
                        return .success(try insert(decision, encrypted: encrypted, links: &links, db: db))
                    } catch let error as StoreError {
                        return .failure(error)
                    }
                }
                if links.scores.seq != start.scores.seq {
                    try setHead(db, chain: "credit_scores", link: links.scores)
                    advanced.append(("credit_scores", links.scores.seq, links.scores.hash))
                }
                if links.evaluations.seq != start.evaluations.seq {
                    try setHead(db, chain: "risk_evaluations", link: links.evaluations)
                    advanced.append(("risk_evaluations", links.evaluations.seq, links.evaluations.hash))
                }
                return results
            }
            // After the commit: a checkpoint never names rows that are not on disk.
            if !advanced.isEmpty { checkpoints?.append(advanced) }
            return results
        } catch {
            throw .database("\(error)")
        }
    }

    /// The last row of each chain: its sequence number (0 before the first) and hash.
    private struct ChainLinks {
        var scores: (seq: Int64, hash: String)
        var evaluations: (seq: Int64, hash: String)
    }

    /// Inserts one decision inside a write transaction, after the rows `links` ends with.
    private func insert(_ decision: NewDecision, encrypted: Data, links: inout ChainLinks, db: Database) throws -> StoredResponse {
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Self.responseColumns) FROM idempotency_keys k WHERE k.key = ?"),
            arguments: [decision.idempotencyKey])
        {
            let stored = try checkedResponse(existing)
            guard stored.requestSHA256 == decision.requestSHA256 || stored.requestSHA256 == decision.legacyRequestSHA256 else {
                throw StoreError.idempotencyConflict(key: decision.idempotencyKey)
            }
            return stored
        }
        // One decision per event, whatever the key it came with.
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT k.key, \(Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                WHERE s.event_id = ? LIMIT 1
                """),
            arguments: [decision.eventId])
        {
            let storedKey = try existing.decode(String.self, forColumn: "key")
            let stored = try checkedResponse(existing)
            let sameRequest = stored.requestSHA256 == decision.requestSHA256 || stored.requestSHA256 == decision.legacyRequestSHA256
            // Keys written before per-caller namespaces hold no caller; their owner is unknown.
            let sameCaller = !storedKey.contains("/") || Self.caller(of: storedKey) == Self.caller(of: decision.idempotencyKey)
            guard sameRequest, sameCaller else { throw StoreError.eventAlreadyDecided(eventId: decision.eventId) }
            return stored
        }
        let scoreRow = ScoreRow(
            seq: links.scores.seq + 1, id: decision.scoreId, createdAt: decision.createdAt, eventId: decision.eventId, loanId: decision.loanId,
            userId: decision.userId, amount: decision.amount, tenorMonths: decision.tenorMonths, applicationDate: decision.applicationDate,
            modelId: decision.modelId, modelVersion: decision.modelVersion, modelSHA256: decision.modelSHA256, score: decision.score,
            probabilityOfDefault: decision.probabilityOfDefault, grade: decision.grade, inputsEncrypted: encrypted.base64EncodedString(),
            prevHash: links.scores.hash)
        let scoreHash = try AuditChain.hash(scoreRow)
        try db.cachedStatement(
            sql: """
                INSERT INTO credit_scores (seq, id, created_at, event_id, loan_id, user_id, amount, tenor_months, application_date,
                  model_id, model_version, model_sha256, score, pd, grade, inputs_encrypted, prev_hash, row_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [scoreRow.seq, scoreRow.id, scoreRow.createdAt, scoreRow.eventId, scoreRow.loanId, scoreRow.userId, scoreRow.amount,
                        scoreRow.tenorMonths, scoreRow.applicationDate, scoreRow.modelId, scoreRow.modelVersion, scoreRow.modelSHA256,
                        scoreRow.score, scoreRow.probabilityOfDefault, scoreRow.grade, encrypted, scoreRow.prevHash, scoreHash])
        let responseDigest = StoredResponse.digest(status: decision.responseStatus, body: decision.responseBody)
        let evaluationRow = EvaluationRow(
            seq: links.evaluations.seq + 1, id: decision.evaluationId, scoreId: decision.scoreId, createdAt: decision.createdAt,
            policyId: decision.policyId, policyVersion: decision.policyVersion, policySHA256: decision.policySHA256,
            decision: decision.decision, ruleHits: decision.ruleHitsJSON, reasons: decision.reasonsJSON, responseSHA256: responseDigest,
            prevHash: links.evaluations.hash)
        let evaluationHash = try AuditChain.hash(evaluationRow)
        try db.cachedStatement(
            sql: """
                INSERT INTO risk_evaluations (seq, id, score_id, created_at, policy_id, policy_version, policy_sha256, decision,
                  rule_hits, reasons, response_sha256, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [evaluationRow.seq, evaluationRow.id, evaluationRow.scoreId, evaluationRow.createdAt, evaluationRow.policyId,
                        evaluationRow.policyVersion, evaluationRow.policySHA256, evaluationRow.decision, evaluationRow.ruleHits,
                        evaluationRow.reasons, responseDigest, evaluationRow.prevHash, evaluationHash])
        try db.cachedStatement(
            sql: """
                INSERT INTO idempotency_keys (key, request_sha256, score_id, status, response, created_at, response_mac)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [decision.idempotencyKey, decision.requestSHA256, decision.scoreId, decision.responseStatus,
                        decision.responseBody, decision.createdAt,
                        secret.mac(Self.responseMACText(scoreId: decision.scoreId, digest: responseDigest))])
        links.scores = (scoreRow.seq, scoreHash)
        links.evaluations = (evaluationRow.seq, evaluationHash)
        return StoredResponse(status: decision.responseStatus, body: decision.responseBody, requestSHA256: decision.requestSHA256)
    }

    /// The stored response of a score id.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when the stored response was altered.
    public func response(forScore id: String) throws(StoreError) -> StoredResponse? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.responseColumns) FROM idempotency_keys k WHERE k.score_id = ?", arguments: [id])
                .map(checkedResponse)
        }
    }

    /// The stored responses of a loan, oldest first.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when one of them was altered.
    public func responses(forLoan loanId: String, limit: Int = 100) throws(StoreError) -> [Data] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                    WHERE s.loan_id = ? ORDER BY s.seq LIMIT ?
                    """,
                arguments: [loanId, limit]
            ).map { try checkedResponse($0).body }
        }
    }

    /// One stored decision with its decrypted inputs, for replay.
    public struct Stored: Sendable {
        public var scoreId: String
        public var evaluationId: String
        public var createdAt: String
        public var eventId: String
        public var loanId: String
        public var modelSHA256: String
        public var policySHA256: String
        public var amount: Double
        public var tenorMonths: Double?
        public var applicationDate: String
        public var score: Double?
        public var probabilityOfDefault: Double?
        public var decision: String
        public var ruleHitsJSON: String
        /// The inputs as stored (JSON), decrypted, or the reason they cannot be.
        public var inputsJSON: Result<Data, StoreError>
        /// The response given, as stored (checked against its HMAC), or the reason it cannot be used.
        public var response: Result<StoredResponse, StoreError>
    }

    /// Every stored decision in order, inputs decrypted. A row that cannot be decoded, decrypted
    /// or authenticated is returned with the reason, so a replay reports every row.
    /// - Throws: ``StoreError/database(_:)`` when the store cannot be read at all.
    public func storedDecisions() throws(StoreError) -> [Stored] {
        try read { db in
            var stored: [Stored] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.id, s.model_sha256, e.policy_sha256, s.amount, s.tenor_months, s.application_date, s.score, s.pd,
                  e.decision, e.rule_hits, s.inputs_encrypted, e.id AS evaluation_id, s.created_at, s.event_id, s.loan_id,
                  \(Self.responseColumns)
                FROM credit_scores s JOIN risk_evaluations e ON e.score_id = s.id LEFT JOIN idempotency_keys k ON k.score_id = s.id
                ORDER BY s.seq
                """)
            while let row = try rows.next() {
                let id = try row.decode(String.self, forColumn: "id")
                let inputs: Result<Data, StoreError>
                do {
                    inputs = .success(try secret.open(try row.decode(Data.self, forColumn: "inputs_encrypted"), context: id))
                } catch {
                    inputs = .failure(.undecryptable(id))
                }
                let response: Result<StoredResponse, StoreError>
                do { response = .success(try checkedResponse(row)) } catch { response = .failure(.integrity(scoreId: id)) }
                stored.append(Stored(
                    scoreId: id, evaluationId: try row.decode(String.self, forColumn: "evaluation_id"),
                    createdAt: try row.decode(String.self, forColumn: "created_at"), eventId: try row.decode(String.self, forColumn: "event_id"),
                    loanId: try row.decode(String.self, forColumn: "loan_id"), modelSHA256: try row.decode(String.self, forColumn: "model_sha256"),
                    policySHA256: try row.decode(String.self, forColumn: "policy_sha256"), amount: try row.decode(Double.self, forColumn: "amount"),
                    tenorMonths: try row.decode(Double?.self, forColumn: "tenor_months"),
                    applicationDate: try row.decode(String.self, forColumn: "application_date"), score: try row.decode(Double?.self, forColumn: "score"),
                    probabilityOfDefault: try row.decode(Double?.self, forColumn: "pd"), decision: try row.decode(String.self, forColumn: "decision"),
                    ruleHitsJSON: try row.decode(String.self, forColumn: "rule_hits"), inputsJSON: inputs, response: response))
            }
            return stored
        }
    }

    /// Whether the database answers (for readiness).
    public func isReachable() -> Bool {
        (try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    private static func lastLink(_ db: Database, chain: String) throws -> (seq: Int64, hash: String) {
        guard let last = try Row.fetchOne(db, sql: "SELECT seq, row_hash FROM \(chain) ORDER BY seq DESC LIMIT 1") else {
            return (0, AuditChain.genesis)
        }
        return (last["seq"], last["row_hash"])
    }

    private func setHead(_ db: Database, chain: String, link: (seq: Int64, hash: String)) throws {
        try db.cachedStatement(
            sql: "INSERT INTO audit_head (chain, seq, row_hash, mac) VALUES (?, ?, ?, ?) ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash, mac = excluded.mac").execute(
            arguments: [chain, link.seq, link.hash, secret.mac("\(chain)|\(link.seq)|\(link.hash)")])
    }
}
