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

    public init(
        scoreId: String, evaluationId: String, createdAt: String, eventId: String, loanId: String, userId: String, amount: Double,
        tenorMonths: Double?, applicationDate: String, modelId: String, modelVersion: String, modelSHA256: String, score: Double?,
        probabilityOfDefault: Double?, grade: String?, policyId: String, policyVersion: String, policySHA256: String, decision: String,
        ruleHitsJSON: String, reasonsJSON: String, inputsJSON: Data, idempotencyKey: String, requestSHA256: String, responseStatus: Int,
        responseBody: Data
    ) {
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
}

/// The append-only, hash-chained store of decisions (SQLite through GRDB).
///
/// Tables `credit_scores` and `risk_evaluations` each form a chain: every row carries the hash of
/// the previous row and its own hash over its content (``AuditChain``); triggers refuse UPDATE
/// and DELETE. `idempotency_keys` is append-only too. `audit_head` holds each chain's last
/// sequence number and hash with an HMAC under the store's secret, so a truncated chain shows.
/// The database runs in WAL mode with `synchronous=FULL`: a decision is on disk before its
/// response is sent.
public final class DecisionStore: Sendable {
    let pool: DatabasePool
    let secret: StoreSecret
    public let path: String

    /// Opens or creates the store.
    /// - Throws: ``StoreError/database(_:)``.
    public init(path: String, secret: StoreSecret) throws(StoreError) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database("\(path): \(error)")
        }
        self.secret = secret
        self.path = path
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
            for table in ["credit_scores", "risk_evaluations", "idempotency_keys"] {
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table) BEGIN SELECT RAISE(ABORT, '\(table) is append-only'); END;
                    CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table) BEGIN SELECT RAISE(ABORT, '\(table) is append-only'); END;
                    """)
            }
        }
        return migrator
    }

    /// The stored response for an idempotency key, if the key was used.
    public func response(forKey key: String) throws(StoreError) -> StoredResponse? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT status, response, request_sha256 FROM idempotency_keys WHERE key = ?"), arguments: [key])
                    .map { StoredResponse(status: $0["status"], body: $0["response"], requestSHA256: $0["request_sha256"]) }
            }
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
            return try pool.write { db in
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
                if links.scores.seq != start.scores.seq { try setHead(db, chain: "credit_scores", link: links.scores) }
                if links.evaluations.seq != start.evaluations.seq { try setHead(db, chain: "risk_evaluations", link: links.evaluations) }
                return results
            }
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
            db.cachedStatement(sql: "SELECT status, response, request_sha256 FROM idempotency_keys WHERE key = ?"),
            arguments: [decision.idempotencyKey])
        {
            let stored = StoredResponse(status: existing["status"], body: existing["response"], requestSHA256: existing["request_sha256"])
            guard stored.requestSHA256 == decision.requestSHA256 else { throw StoreError.idempotencyConflict(key: decision.idempotencyKey) }
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
        let evaluationRow = EvaluationRow(
            seq: links.evaluations.seq + 1, id: decision.evaluationId, scoreId: decision.scoreId, createdAt: decision.createdAt,
            policyId: decision.policyId, policyVersion: decision.policyVersion, policySHA256: decision.policySHA256,
            decision: decision.decision, ruleHits: decision.ruleHitsJSON, reasons: decision.reasonsJSON, prevHash: links.evaluations.hash)
        let evaluationHash = try AuditChain.hash(evaluationRow)
        try db.cachedStatement(
            sql: """
                INSERT INTO risk_evaluations (seq, id, score_id, created_at, policy_id, policy_version, policy_sha256, decision,
                  rule_hits, reasons, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [evaluationRow.seq, evaluationRow.id, evaluationRow.scoreId, evaluationRow.createdAt, evaluationRow.policyId,
                        evaluationRow.policyVersion, evaluationRow.policySHA256, evaluationRow.decision, evaluationRow.ruleHits,
                        evaluationRow.reasons, evaluationRow.prevHash, evaluationHash])
        try db.cachedStatement(
            sql: "INSERT INTO idempotency_keys (key, request_sha256, score_id, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)").execute(
            arguments: [decision.idempotencyKey, decision.requestSHA256, decision.scoreId, decision.responseStatus,
                        decision.responseBody, decision.createdAt])
        links.scores = (scoreRow.seq, scoreHash)
        links.evaluations = (evaluationRow.seq, evaluationHash)
        return StoredResponse(status: decision.responseStatus, body: decision.responseBody, requestSHA256: decision.requestSHA256)
    }

    /// The stored response of a score id.
    public func response(forScore id: String) throws(StoreError) -> StoredResponse? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT status, response, request_sha256 FROM idempotency_keys WHERE score_id = ?", arguments: [id])
                    .map { StoredResponse(status: $0["status"], body: $0["response"], requestSHA256: $0["request_sha256"]) }
            }
        } catch {
            throw .database("\(error)")
        }
    }

    /// The stored responses of a loan, oldest first.
    public func responses(forLoan loanId: String, limit: Int = 100) throws(StoreError) -> [Data] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT k.response FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                        WHERE s.loan_id = ? ORDER BY s.seq LIMIT ?
                        """,
                    arguments: [loanId, limit]
                ).map { $0["response"] }
            }
        } catch {
            throw .database("\(error)")
        }
    }

    /// One stored decision with its decrypted inputs, for replay.
    public struct Stored: Sendable {
        public var scoreId: String
        public var modelSHA256: String
        public var policySHA256: String
        public var amount: Double
        public var tenorMonths: Double?
        public var applicationDate: String
        public var score: Double?
        public var probabilityOfDefault: Double?
        public var decision: String
        public var ruleHitsJSON: String
        /// The inputs as stored (JSON), decrypted.
        public var inputsJSON: Data
    }

    /// Every stored decision in order, inputs decrypted.
    /// - Throws: ``StoreError/undecryptable(_:)`` for a row the key cannot open.
    public func storedDecisions() throws(StoreError) -> [Stored] {
        let rows: [Row]
        do {
            rows = try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT s.id, s.model_sha256, e.policy_sha256, s.amount, s.tenor_months, s.application_date, s.score, s.pd,
                      e.decision, e.rule_hits, s.inputs_encrypted
                    FROM credit_scores s JOIN risk_evaluations e ON e.score_id = s.id ORDER BY s.seq
                    """)
            }
        } catch {
            throw .database("\(error)")
        }
        var stored: [Stored] = []
        for row in rows {
            let id: String = row["id"]
            stored.append(Stored(
                scoreId: id, modelSHA256: row["model_sha256"], policySHA256: row["policy_sha256"], amount: row["amount"],
                tenorMonths: row["tenor_months"], applicationDate: row["application_date"], score: row["score"],
                probabilityOfDefault: row["pd"], decision: row["decision"], ruleHitsJSON: row["rule_hits"],
                inputsJSON: try secret.open(row["inputs_encrypted"], context: id)))
        }
        return stored
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
