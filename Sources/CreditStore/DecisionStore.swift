import CreditAudit
import CreditCore
import Crypto
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

/// A request to erase one person's stored inputs.
public struct ErasureRequest: Sendable {
    /// A new id for the erasure (UUID).
    public var id: String
    /// UTC, ISO 8601.
    public var createdAt: String
    /// The person whose data is erased.
    public var userId: String
    /// Who asked (an operator or a ticket system; a safe identifier).
    public var requestedBy: String
    /// Why (for example the data subject request's reference): no personal data.
    public var reason: String

    public init(id: String, createdAt: String, userId: String, requestedBy: String, reason: String) {
        (self.id, self.createdAt, self.userId, self.requestedBy, self.reason) = (id, createdAt, userId, requestedBy, reason)
    }

    static let reasonRule = "the reason must be 1 to 500 characters, with no control characters"

    /// 1 to 500 characters, none of them a control, bidi or other format character.
    static func isValidReason(_ text: String) -> Bool {
        (1...500).contains(text.count) && text.unicodeScalars.allSatisfy { scalar in
            ![.control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse]
                .contains(scalar.properties.generalCategory)
        }
    }
}

/// What an erasure did.
public struct ErasureReport: Sendable, Equatable {
    /// The erasure's row in the `erasures` chain.
    public var seq: Int64
    /// Decisions whose inputs can no longer be decrypted.
    public var decisions: Int
    /// The person's decisions from before per-person keys: their inputs are under the store key
    /// and cannot be erased one person at a time.
    public var decisionsUnderStoreKey: Int
    /// Whether the write-ahead log was emptied, so no copy of the key stays in the database files.
    public var filesOverwritten: Bool
}

/// A decision's inputs encrypted ahead of its write (``DecisionStore/seal(_:)``).
public struct SealedInputs: Sendable {
    let keyId: String
    let ciphertext: Data
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
    /// Data keys already unwrapped, so inputs are sealed on the callers' threads (``seal(_:)``).
    private let keyCache = DataKeyCache()
    /// The one thread batches are written on (``commit(_:sealed:)``): SQLite's sync blocks it,
    /// never a thread of the concurrency pool.
    private let writeQueue = DispatchQueue(label: "creditengine.store.commit")

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

    /// The triggers that keep the store append-only, and their exact SQL: no row of the chained
    /// tables or of `idempotency_keys` ever changes or goes; a person's data key (`subject_keys`)
    /// never changes and goes only by an erasure.
    static let appendOnlyTriggers: [(table: String, name: String, sql: String)] =
        [("credit_scores", true), ("risk_evaluations", true), ("idempotency_keys", true), ("erasures", true), ("subject_keys", false)]
        .flatMap { table, refusesDelete in
            ([("update", "UPDATE")] + (refusesDelete ? [("delete", "DELETE")] : []))
                .map { suffix, statement in
                    let message = refusesDelete ? "\(table) is append-only" : "\(table) rows never change"
                    return (table, "\(table)_no_\(suffix)",
                            "CREATE TRIGGER \(table)_no_\(suffix) BEFORE \(statement) ON \(table) BEGIN SELECT RAISE(ABORT, '\(message)'); END")
                }
        }

    /// The tables of per-person keys and erasures (migration v4).
    private static let erasureTables: Set<String> = ["subject_keys", "erasures"]

    /// What is missing from the store's safeguards: an append-only trigger missing or whose SQL
    /// differs from ``appendOnlyTriggers``, or a table of erasures and keys missing from a store
    /// that has them. (A store from before v4, verified read-only, has neither.)
    static func schemaProblems(_ db: Database) throws -> [String] {
        let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        let keyColumn = tables.contains("credit_scores") ? try db.columns(in: "credit_scores").contains { $0.name == "inputs_key_id" } : false
        let hasErasures = keyColumn || !tables.isDisjoint(with: erasureTables)
        var problems = hasErasures ? erasureTables.subtracting(tables).sorted().map { "the table \($0) is missing" } : []
        var stored: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
            if let name = row["name"] as String?, let sql = row["sql"] as String? { stored[name] = sql }
        }
        for trigger in appendOnlyTriggers where hasErasures || !erasureTables.contains(trigger.table) {
            guard let sql = stored[trigger.name] else {
                problems.append("the append-only trigger \(trigger.name) is missing")
                continue
            }
            if sql != trigger.sql { problems.append("the append-only trigger \(trigger.name) has been altered") }
        }
        return problems
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
            for trigger in appendOnlyTriggers where !erasureTables.contains(trigger.table) { try db.execute(sql: trigger.sql) }
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
        migrator.registerMigration("v4 per-person keys and erasures") { db in
            // Each person's inputs are encrypted under a data key of their own, stored wrapped;
            // an erasure deletes the key (crypto-shredding) and is itself a chained row.
            // Rows written before v4 have no key id: their inputs are under the store key.
            try db.execute(sql: """
                ALTER TABLE credit_scores ADD COLUMN inputs_key_id TEXT;
                CREATE TABLE subject_keys (
                  key_id TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, wrapped BLOB NOT NULL, created_at TEXT NOT NULL);
                CREATE TABLE erasures (
                  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, user_id TEXT NOT NULL,
                  requested_by TEXT NOT NULL, reason TEXT NOT NULL, key_ids TEXT NOT NULL, decisions INTEGER NOT NULL,
                  prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL);
                """)
            for trigger in appendOnlyTriggers where erasureTables.contains(trigger.table) { try db.execute(sql: trigger.sql) }
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
        return try StoreRules.authenticated(response, scoreId: scoreId, mac: try row.decode(String?.self, forColumn: "response_mac"), secret: secret)
    }

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
    ///
    /// `sealed` holds, for each decision, its inputs as ``seal(_:)`` sealed them ahead of the
    /// write; a decision without one, or whose person's key changed meanwhile (an erasure), is
    /// sealed in the transaction.
    public func record(_ batch: [NewDecision], sealed: [SealedInputs?] = []) throws(StoreError) -> [Result<StoredResponse, StoreError>] {
        do {
            var advanced: [(chain: String, seq: Int64, head: String)] = []
            let results = try pool.write { db in
                // The chains' ends, read once and carried through the batch in memory.
                var links = ChainLinks(scores: try Self.lastLink(db, chain: "credit_scores"), evaluations: try Self.lastLink(db, chain: "risk_evaluations"))
                let start = links
                // Inside the transaction, so an erasure by another process is never raced.
                var keys: [String: DataKey] = [:]
                let results = try batch.enumerated().map { index, decision -> Result<StoredResponse, StoreError> in
                    do {
                        let ahead = index < sealed.count ? sealed[index] : nil
                        return .success(try insert(decision, sealed: ahead, keys: &keys, links: &links, db: db))
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

    /// Seals `decision`'s inputs ahead of ``record(_:sealed:)``, on the caller's thread, under the
    /// person's data key as last seen (read from the store once, then remembered); nil for a
    /// person without a key yet, whose key is made in the transaction.
    public func seal(_ decision: NewDecision) async -> SealedInputs? {
        await keyCache.seal(decision, secret: secret) {
            try? pool.read { db -> (id: String, wrapped: Data)? in
                guard let row = try Row.fetchOne(db, sql: "SELECT key_id, wrapped FROM subject_keys WHERE user_id = ?", arguments: [decision.userId])
                else { return nil }
                return (try row.decode(String.self, forColumn: "key_id"), try row.decode(Data.self, forColumn: "wrapped"))
            }
        }
    }

    /// The data key of `userId`, made and stored (wrapped) on their first decision.
    private func dataKey(for userId: String, createdAt: String, keys: inout [String: DataKey], db: Database) throws -> DataKey {
        if let key = keys[userId] { return key }
        let key: DataKey
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT key_id, wrapped FROM subject_keys WHERE user_id = ?"), arguments: [userId]) {
            let id: String = try row.decode(String.self, forColumn: "key_id")
            key = DataKey(id: id, key: try secret.dataKey(wrapped: try row.decode(Data.self, forColumn: "wrapped"), keyId: id))
        } else {
            let id = UUID().uuidString.lowercased()
            let made = try secret.newDataKey(keyId: id)
            try db.cachedStatement(sql: "INSERT INTO subject_keys (key_id, user_id, wrapped, created_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id, userId, made.wrapped, createdAt])
            key = DataKey(id: id, key: made.key)
        }
        keys[userId] = key
        keyCache.remember(key, for: userId)
        return key
    }

    /// Inserts one decision inside a write transaction, after the rows `links` ends with; its
    /// inputs are encrypted under the person's data key.
    private func insert(
        _ decision: NewDecision, sealed: SealedInputs?, keys: inout [String: DataKey], links: inout ChainLinks, db: Database
    ) throws -> StoredResponse {
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Self.responseColumns) FROM idempotency_keys k WHERE k.key = ?"),
            arguments: [decision.idempotencyKey])
        {
            return try StoreRules.replay(try checkedResponse(existing), for: decision)
        }
        // One decision per event, whatever the key it came with.
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT k.key, \(Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                WHERE s.event_id = ? LIMIT 1
                """),
            arguments: [decision.eventId])
        {
            return try StoreRules.replay(
                try checkedResponse(existing), storedKey: try existing.decode(String.self, forColumn: "key"), forEventOf: decision)
        }
        // Sealed ahead under the key the person still has: used as it is. Otherwise (no key yet,
        // or erased and made anew meanwhile) sealed here, under the key the transaction sees.
        let keyId: String
        let encrypted: Data
        if let sealed, keys[decision.userId] == nil,
            try String.fetchOne(db.cachedStatement(sql: "SELECT key_id FROM subject_keys WHERE user_id = ?"), arguments: [decision.userId])
                == sealed.keyId
        {
            (keyId, encrypted) = (sealed.keyId, sealed.ciphertext)
        } else {
            let dataKey = try dataKey(for: decision.userId, createdAt: decision.createdAt, keys: &keys, db: db)
            (keyId, encrypted) = (dataKey.id, try secret.seal(decision.inputsJSON, context: decision.scoreId, key: dataKey.key))
        }
        let scoreRow = ScoreRow(
            seq: links.scores.seq + 1, id: decision.scoreId, createdAt: decision.createdAt, eventId: decision.eventId, loanId: decision.loanId,
            userId: decision.userId, amount: decision.amount, tenorMonths: decision.tenorMonths, applicationDate: decision.applicationDate,
            modelId: decision.modelId, modelVersion: decision.modelVersion, modelSHA256: decision.modelSHA256, score: decision.score,
            probabilityOfDefault: decision.probabilityOfDefault, grade: decision.grade, inputsEncrypted: encrypted.base64EncodedString(),
            inputsKeyId: keyId, prevHash: links.scores.hash)
        let scoreHash = try AuditChain.hash(scoreRow)
        try db.cachedStatement(
            sql: """
                INSERT INTO credit_scores (seq, id, created_at, event_id, loan_id, user_id, amount, tenor_months, application_date,
                  model_id, model_version, model_sha256, score, pd, grade, inputs_encrypted, inputs_key_id, prev_hash, row_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [scoreRow.seq, scoreRow.id, scoreRow.createdAt, scoreRow.eventId, scoreRow.loanId, scoreRow.userId, scoreRow.amount,
                        scoreRow.tenorMonths, scoreRow.applicationDate, scoreRow.modelId, scoreRow.modelVersion, scoreRow.modelSHA256,
                        scoreRow.score, scoreRow.probabilityOfDefault, scoreRow.grade, encrypted, keyId, scoreRow.prevHash, scoreHash])
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
                        StoreRules.responseMAC(scoreId: decision.scoreId, status: decision.responseStatus, body: decision.responseBody, secret: secret)])
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

    /// One page of a loan's stored responses, oldest first: at most `limit` after the decision
    /// `after` (a cursor from an earlier page), and the cursor of the next page when there is one.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when one of them was altered.
    public func responses(forLoan loanId: String, after: Int64? = nil, limit: Int = 100) throws(StoreError) -> (bodies: [Data], next: Int64?) {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.seq, \(Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                    WHERE s.loan_id = ? AND s.seq > ? ORDER BY s.seq LIMIT ?
                    """,
                arguments: [loanId, after ?? 0, limit + 1])
            let page = rows.prefix(limit)
            let next: Int64? = rows.count > limit ? page.last?["seq"] : nil
            return (try page.map { try checkedResponse($0).body }, next)
        }
    }

    /// Every stored decision in order, inputs decrypted. A row that cannot be decoded, decrypted
    /// or authenticated is returned with the reason, so a replay reports every row; a row whose
    /// person's key an erasure destroyed is returned as ``StoreError/erased(_:)``.
    /// - Throws: ``StoreError/database(_:)`` when the store cannot be read at all.
    public func storedDecisions() throws(StoreError) -> [StoredDecision] {
        try read { db in
            var stored: [StoredDecision] = []
            let erasedKeys = try Self.erasedKeyIds(db)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.id, s.model_sha256, e.policy_sha256, s.amount, s.tenor_months, s.application_date, s.score, s.pd,
                  e.decision, e.rule_hits, s.inputs_encrypted, s.inputs_key_id, sk.wrapped AS key_wrapped,
                  e.id AS evaluation_id, s.created_at, s.event_id, s.loan_id, \(Self.responseColumns)
                FROM credit_scores s JOIN risk_evaluations e ON e.score_id = s.id LEFT JOIN idempotency_keys k ON k.score_id = s.id
                LEFT JOIN subject_keys sk ON sk.key_id = s.inputs_key_id
                ORDER BY s.seq
                """)
            while let row = try rows.next() {
                let id = try row.decode(String.self, forColumn: "id")
                let inputs: Result<Data, StoreError>
                do {
                    inputs = StoreRules.openInputs(
                        try row.decode(Data.self, forColumn: "inputs_encrypted"), keyId: try row.decode(String?.self, forColumn: "inputs_key_id"),
                        wrapped: try row.decode(Data?.self, forColumn: "key_wrapped"), scoreId: id, erasedKeys: erasedKeys, secret: secret)
                } catch {
                    inputs = .failure(.undecryptable(id))
                }
                let response: Result<StoredResponse, StoreError>
                do { response = .success(try checkedResponse(row)) } catch { response = .failure(.integrity(scoreId: id)) }
                stored.append(StoredDecision(
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

    /// The ids of every data key an erasure destroyed.
    static func erasedKeyIds(_ db: Database) throws -> Set<String> {
        guard try db.tableExists("erasures") else { return [] }
        var ids: Set<String> = []
        // A value of another type (tampering) counts as no ids; verify reports the row.
        for row in try Row.fetchAll(db, sql: "SELECT key_ids FROM erasures") {
            guard let text = AuditChain.text(row[0]) else { continue }
            ids.formUnion((try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [])
        }
        return ids
    }

    /// Destroys the data key of one person, so the inputs of all their decisions can never be
    /// decrypted again, and records the erasure as a chained row naming who asked and why
    /// (UU PDP No. 27/2022, the right to erasure). The decisions themselves stay, with every
    /// hash of the chain: `audit verify` still passes and `replay` reports them as erased.
    ///
    /// The key's bytes are overwritten in the database file (`secure_delete`), and the
    /// write-ahead log is checkpointed and truncated so no earlier copy stays in it. Copies of the
    /// database made before (backups) still hold the key, wrapped under the store key: they age
    /// out with the backup retention.
    /// - Throws: ``StoreError/invalidErasure(_:)`` for a request that does not follow the rules;
    ///   ``StoreError/database(_:)``.
    public func erase(_ request: ErasureRequest) throws(StoreError) -> ErasureReport {
        guard SafeIdentifier.isValid(request.userId) else { throw .invalidErasure("the user id \(SafeIdentifier.rule)") }
        guard SafeIdentifier.isValid(request.requestedBy) else { throw .invalidErasure("who asked \(SafeIdentifier.rule)") }
        guard ErasureRequest.isValidReason(request.reason) else { throw .invalidErasure(ErasureRequest.reasonRule) }
        do {
            var report = ErasureReport(seq: 0, decisions: 0, decisionsUnderStoreKey: 0, filesOverwritten: false)
            let head = try pool.write { db in
                let keyIds = try String.fetchAll(db, sql: "SELECT key_id FROM subject_keys WHERE user_id = ? ORDER BY key_id", arguments: [request.userId])
                report.decisions = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM credit_scores WHERE inputs_key_id IN (SELECT key_id FROM subject_keys WHERE user_id = ?)",
                    arguments: [request.userId]) ?? 0
                report.decisionsUnderStoreKey = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM credit_scores WHERE user_id = ? AND inputs_key_id IS NULL", arguments: [request.userId]) ?? 0
                // The deleted key's bytes are overwritten, not left in a free page.
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.execute(sql: "DELETE FROM subject_keys WHERE user_id = ?", arguments: [request.userId])
                try db.execute(sql: "PRAGMA secure_delete = OFF")
                let last = try Self.lastLink(db, chain: "erasures")
                let row = ErasureRow(
                    seq: last.seq + 1, id: request.id, createdAt: request.createdAt, userId: request.userId, requestedBy: request.requestedBy,
                    reason: request.reason, keyIds: "[" + keyIds.map { "\"\($0)\"" }.joined(separator: ",") + "]",
                    decisions: Int64(report.decisions), prevHash: last.hash)
                let hash = try AuditChain.hash(row)
                try db.execute(
                    sql: """
                        INSERT INTO erasures (seq, id, created_at, user_id, requested_by, reason, key_ids, decisions, prev_hash, row_hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [row.seq, row.id, row.createdAt, row.userId, row.requestedBy, row.reason, row.keyIds, row.decisions, row.prevHash, hash])
                try setHead(db, chain: "erasures", link: (row.seq, hash))
                return (row.seq, hash)
            }
            report.seq = head.0
            keyCache.remember(nil, for: request.userId)
            checkpoints?.append([("erasures", head.0, head.1)])
            report.filesOverwritten = try pool.writeWithoutTransaction { db in
                // (busy, log frames, checkpointed frames): busy 0 means the log was emptied.
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)").map { ($0[0] as Int?) == 0 } ?? false
            }
            return report
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
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

extension DecisionStore: DecisionStorage {
    public var displayName: String { URL(fileURLWithPath: path).lastPathComponent }

    /// ``record(_:sealed:)`` on the store's one write thread.
    public func commit(_ batch: [NewDecision], sealed: [SealedInputs?]) async throws(StoreError) -> [Result<StoredResponse, StoreError>] {
        try await withCheckedContinuation { continuation in
            writeQueue.async { continuation.resume(returning: Result { () throws(StoreError) in try self.record(batch, sealed: sealed) }) }
        }.get()
    }
}
