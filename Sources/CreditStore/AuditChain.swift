import CreditAudit
import Foundation
import GRDB

/// The content of a `credit_scores` row that its hash covers.
struct ScoreRow: Encodable {
    var seq: Int64
    var id, createdAt, eventId, loanId, userId: String
    var amount: Double
    var tenorMonths: Double?
    var applicationDate, modelId, modelVersion, modelSHA256: String
    var score, probabilityOfDefault: Double?
    var grade: String?
    var inputsEncrypted: String
    /// The person's data key the inputs are encrypted under; `nil` in rows written before
    /// per-person keys (encrypted under the store key).
    var inputsKeyId: String?
    var prevHash: String
}

/// The content of a `risk_evaluations` row that its hash covers.
struct EvaluationRow: Encodable {
    var seq: Int64
    var id, scoreId, createdAt, policyId, policyVersion, policySHA256, decision, ruleHits, reasons: String
    /// ``StoredResponse/digest(status:body:)`` of the answer given; `nil` in rows written before
    /// the store recorded it.
    var responseSHA256: String?
    var prevHash: String
}

/// The content of an `erasures` row that its hash covers: whose data keys were destroyed, at
/// whose request and why.
struct ErasureRow: Encodable {
    var seq: Int64
    var id, createdAt, userId, requestedBy, reason: String
    /// The destroyed key ids, as a JSON array (sorted).
    var keyIds: String
    /// How many decisions' inputs the destroyed keys encrypted.
    var decisions: Int64
    var prevHash: String
}

/// A row of a hash chain: its canonical JSON is what its hash covers.
protocol ChainedRow: Encodable {
    /// The canonical JSON of the row (``ContentDigest/canonicalJSON(_:)`` of its `Encodable`
    /// form, written directly: keys in UTF-8 order, absent optionals left out).
    func canonicalJSON() throws -> [UInt8]
}

extension ScoreRow: ChainedRow {
    func canonicalJSON() throws -> [UInt8] {
        var json = JSONTextWriter()
        json.beginObject()
        json.key("amount")
        json.number(amount)
        json.key("applicationDate")
        json.string(applicationDate)
        json.key("createdAt")
        json.string(createdAt)
        json.key("eventId")
        json.string(eventId)
        if let grade {
            json.key("grade")
            json.string(grade)
        }
        json.key("id")
        json.string(id)
        json.key("inputsEncrypted")
        json.string(inputsEncrypted)
        if let inputsKeyId {
            json.key("inputsKeyId")
            json.string(inputsKeyId)
        }
        json.key("loanId")
        json.string(loanId)
        json.key("modelId")
        json.string(modelId)
        json.key("modelSHA256")
        json.string(modelSHA256)
        json.key("modelVersion")
        json.string(modelVersion)
        json.key("prevHash")
        json.string(prevHash)
        if let probabilityOfDefault {
            json.key("probabilityOfDefault")
            json.number(probabilityOfDefault)
        }
        if let score {
            json.key("score")
            json.number(score)
        }
        json.key("seq")
        json.integer(seq)
        if let tenorMonths {
            json.key("tenorMonths")
            json.number(tenorMonths)
        }
        json.key("userId")
        json.string(userId)
        json.endObject()
        return try json.text()
    }
}

extension EvaluationRow: ChainedRow {
    func canonicalJSON() throws -> [UInt8] {
        var json = JSONTextWriter()
        json.beginObject()
        let fields: [(String, String?)] = [
            ("createdAt", createdAt), ("decision", decision), ("id", id), ("policyId", policyId), ("policySHA256", policySHA256),
            ("policyVersion", policyVersion), ("prevHash", prevHash), ("reasons", reasons), ("responseSHA256", responseSHA256),
            ("ruleHits", ruleHits), ("scoreId", scoreId),
        ]
        for (key, value) in fields {
            guard let value else { continue }
            json.key(key)
            json.string(value)
        }
        json.key("seq")
        json.integer(seq)
        json.endObject()
        return try json.text()
    }
}

extension ErasureRow: ChainedRow {
    func canonicalJSON() throws -> [UInt8] {
        var json = JSONTextWriter()
        json.beginObject()
        json.key("createdAt")
        json.string(createdAt)
        json.key("decisions")
        json.integer(decisions)
        json.key("id")
        json.string(id)
        json.key("keyIds")
        json.string(keyIds)
        json.key("prevHash")
        json.string(prevHash)
        json.key("reason")
        json.string(reason)
        json.key("requestedBy")
        json.string(requestedBy)
        json.key("seq")
        json.integer(seq)
        json.key("userId")
        json.string(userId)
        json.endObject()
        return try json.text()
    }
}

/// The hash chain over the store's tables, and its verification.
///
/// A row's hash is the SHA-256 of the canonical JSON of its content, which includes its sequence
/// number and the previous row's hash (64 zeros for the first). Editing a row changes its hash;
/// deleting or swapping rows breaks the sequence or the links; removing rows at the end leaves
/// the HMAC-authenticated head pointing past the last row.
public enum AuditChain {
    static let genesis = String(repeating: "0", count: 64)

    static func hash(_ row: some ChainedRow) throws -> String {
        ContentDigest.sha256Hex(try row.canonicalJSON())
    }

    /// The result of verifying one chain.
    public struct ChainReport: Sendable, Equatable, CustomStringConvertible {
        /// One bad row (or the head, or the schema) and what is wrong with it.
        public struct Problem: Sendable, Equatable, CustomStringConvertible {
            /// The row's sequence number; 0 for a problem of the table as a whole.
            public var seq: Int64
            public var problem: String
            public var description: String { seq > 0 ? "row \(seq): \(problem)" : problem }
        }

        public var table: String
        public var rows: Int
        /// The last row's hash (to anchor outside the database).
        public var headHash: String
        /// Every problem found, in sequence order; empty when the chain holds.
        public var problems: [Problem] = []

        /// The first problem, if any.
        public var firstProblem: Problem? { problems.first }

        /// The report in text: every problem up to `limit`, then how many more.
        public func text(limit: Int = 20) -> String {
            guard !problems.isEmpty else { return "\(table): \(rows) rows, chain intact, head \(headHash)" }
            var lines = problems.prefix(limit).map { "\(table): \($0)" }
            if problems.count > limit { lines.append("\(table): \(problems.count - limit) more problems (see --json)") }
            return lines.joined(separator: "\n")
        }

        public var description: String { text() }
    }

    /// Verifies the chains of the store at `path` (opened read-only): decisions, evaluations and
    /// erasures (whose destroyed keys must be gone, and no other key missing), and the store's schema:
    /// every row is decoded with typed checks (a value of another type is a problem of that row,
    /// never a crash), every problem is reported, and the walk goes on after one.
    ///
    /// With `checkpoints` (the latest signed checkpoint of each chain, from
    /// ``CheckpointLog/latest(path:publicKey:)``), a chain that ends before a checkpoint (rolled
    /// back, an older backup, wiped) or whose row at the checkpoint has another hash (forked) is
    /// a problem too.
    /// - Throws: ``StoreError/missingStore(_:)`` when there is no file at `path`;
    ///   ``StoreError/database(_:)`` when the file cannot be read as a store.
    public static func verify(path: String, secret: StoreSecret, checkpoints: [String: Checkpoint] = [:]) throws(StoreError) -> [ChainReport] {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingStore(path) }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                var reports = [try verifyScores(db, secret: secret), try verifyEvaluations(db, secret: secret)]
                if try db.tableExists("erasures") { reports.append(try verifyErasures(db, secret: secret)) }
                for index in reports.indices {
                    reports[index].problems += try checkpointProblems(db, report: reports[index], checkpoint: checkpoints[reports[index].table])
                }
                let schema = try DecisionStore.schemaProblems(db).map { ChainReport.Problem(seq: 0, problem: $0) }
                reports[0].problems.insert(contentsOf: schema, at: 0)
                return reports
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(path): \(error)")
        }
    }

    /// A proof that one decision's row is in the `credit_scores` chain: its RFC 6962 audit path
    /// to the Merkle root of the first `treeSize` rows. Checking it needs only the row hash, the
    /// path and the root (a few lines of Python, see README); the root is what an auditor pins.
    public struct InclusionProof: Sendable, Codable, Equatable {
        public var chain: String
        public var scoreId: String
        public var seq: Int64
        /// The row's place among the leaves (seq − 1).
        public var leafIndex: Int
        public var treeSize: Int
        public var rowHash: String
        /// Hex, nearest the leaf first.
        public var auditPath: [String]
        public var root: String
    }

    /// The inclusion proof of the decision `scoreId` in the tree of the first `treeSize` rows
    /// (all rows by default), after ``verify(path:secret:checkpoints:)`` found the store intact
    /// (a proof from a tampered store would prove nothing). Holds 32 bytes per row in memory.
    /// - Throws: ``StoreError/notIntact`` when the store does not verify;
    ///   ``StoreError/unknownDecision(_:)`` when the decision is not within the tree;
    ///   ``StoreError/missingStore(_:)``; ``StoreError/database(_:)``.
    public static func prove(path: String, secret: StoreSecret, scoreId: String, treeSize: Int? = nil) throws(StoreError) -> InclusionProof {
        let reports = try verify(path: path, secret: secret)
        guard reports.allSatisfy({ $0.problems.isEmpty }) else { throw .notIntact }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let (seq, hashes) = try DatabaseQueue(path: path, configuration: configuration).read { db -> (Int64?, [String]) in
                (try Int64.fetchOne(db, sql: "SELECT seq FROM credit_scores WHERE id = ?", arguments: [scoreId]),
                 try String.fetchAll(db, sql: "SELECT row_hash FROM credit_scores ORDER BY seq"))
            }
            return try proof(scoreId: scoreId, seq: seq, hashes: hashes, treeSize: treeSize)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(path): \(error)")
        }
    }

    /// The proof of the row `seq` (nil: not in the store) among the `credit_scores` row hashes,
    /// in the tree of the first `treeSize` rows (all by default).
    /// - Throws: ``StoreError/unknownDecision(_:)`` when the decision is not within the tree.
    static func proof(scoreId: String, seq: Int64?, hashes: [String], treeSize: Int?) throws(StoreError) -> InclusionProof {
        let size = treeSize ?? hashes.count
        guard let seq, size >= 1, size <= hashes.count, seq <= size else { throw .unknownDecision(scoreId) }
        let leaves = hashes.prefix(size).map { MerkleTree.leafHash(Data(hexDigits: $0)) }
        let index = Int(seq - 1)
        return InclusionProof(
            chain: "credit_scores", scoreId: scoreId, seq: seq, leafIndex: index, treeSize: size, rowHash: hashes[index],
            auditPath: MerkleTree.inclusionPath(index: index, leaves[...]).map(ContentDigest.hex),
            root: ContentDigest.hex(MerkleTree.root(leaves[...])))
    }

    /// Where a chain stands against its latest signed checkpoint.
    private static func checkpointProblems(_ db: Database, report: ChainReport, checkpoint: Checkpoint?) throws -> [ChainReport.Problem] {
        guard let checkpoint else { return [] }
        let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM \(report.table)") ?? 0
        let hash = try String.fetchOne(db, sql: "SELECT row_hash FROM \(report.table) WHERE seq = ?", arguments: [checkpoint.seq])
        return checkpointProblems(lastSeq: last, hashAtCheckpoint: hash, checkpoint: checkpoint)
    }

    /// Where a chain that ends at `lastSeq`, with `hashAtCheckpoint` at the checkpoint's row,
    /// stands against the checkpoint.
    static func checkpointProblems(lastSeq last: Int64, hashAtCheckpoint hash: String?, checkpoint: Checkpoint) -> [ChainReport.Problem] {
        guard last >= checkpoint.seq else {
            return [.init(
                seq: 0,
                problem: "the store ends at row \(last), behind the signed checkpoint of row \(checkpoint.seq) at \(checkpoint.time) "
                    + "(rows removed at the end, an older copy put in place, or wiped)")]
        }
        guard hash == checkpoint.head else {
            return [.init(seq: checkpoint.seq, problem: "its hash differs from the signed checkpoint of \(checkpoint.time) (the chain was forked or rewritten)")]
        }
        return []
    }

    /// Typed access to the columns of one row; a value of another type is recorded, not trapped.
    private struct Columns {
        let row: Row
        var problems: [String] = []

        mutating func text(_ column: String) -> String {
            switch row[column] as DatabaseValue? {
            case .some(let value):
                if case .string(let text) = value.storage { return text }
                problems.append("column \(column) holds \(Self.kind(value)), not text")
            case .none: problems.append("column \(column) is absent")
            }
            return ""
        }

        mutating func optionalText(_ column: String) -> String? {
            guard let value = row[column] as DatabaseValue?, !value.isNull else { return nil }
            return text(column)
        }

        mutating func integer(_ column: String) -> Int64 {
            if let value = row[column] as DatabaseValue?, case .int64(let number) = value.storage { return number }
            problems.append("column \(column) does not hold an integer")
            return 0
        }

        mutating func optionalNumber(_ column: String) -> Double? {
            guard let value = row[column] as DatabaseValue?, !value.isNull else { return nil }
            switch value.storage {
            case .double(let number): return number
            case .int64(let number): return Double(number)
            default:
                problems.append("column \(column) holds \(Self.kind(value)), not a number")
                return nil
            }
        }

        mutating func number(_ column: String) -> Double {
            if let number = optionalNumber(column) { return number }
            if problems.last?.hasPrefix("column \(column)") != true { problems.append("column \(column) is NULL") }
            return 0
        }

        mutating func blob(_ column: String) -> Data {
            if let value = row[column] as DatabaseValue?, case .blob(let data) = value.storage { return data }
            problems.append("column \(column) does not hold a blob")
            return Data()
        }

        private static func kind(_ value: DatabaseValue) -> String {
            switch value.storage {
            case .null: return "NULL"
            case .int64: return "an integer"
            case .double: return "a real"
            case .string: return "text"
            case .blob: return "a blob"
            }
        }
    }

    private static func verifyScores(_ db: Database, secret: StoreSecret) throws -> ChainReport {
        var walker = Walker(table: "credit_scores")
        // Stores from before per-person keys (opened read-only, not migrated) have no key table.
        let hasKeys = try db.tableExists("subject_keys")
        let erasedKeys = try DecisionStore.erasedKeyIds(db)
        let rows = try Row.fetchCursor(
            db,
            sql: hasKeys
                ? """
                SELECT s.*, sk.key_id AS key_present, sk.user_id AS key_user FROM credit_scores s
                LEFT JOIN subject_keys sk ON sk.key_id = s.inputs_key_id ORDER BY s.seq
                """
                : "SELECT * FROM credit_scores ORDER BY seq")
        while let row = try rows.next() {
            var columns = Columns(row: row)
            let content = ScoreRow(
                seq: columns.integer("seq"), id: columns.text("id"), createdAt: columns.text("created_at"), eventId: columns.text("event_id"),
                loanId: columns.text("loan_id"), userId: columns.text("user_id"), amount: columns.number("amount"),
                tenorMonths: columns.optionalNumber("tenor_months"), applicationDate: columns.text("application_date"),
                modelId: columns.text("model_id"), modelVersion: columns.text("model_version"), modelSHA256: columns.text("model_sha256"),
                score: columns.optionalNumber("score"), probabilityOfDefault: columns.optionalNumber("pd"), grade: columns.optionalText("grade"),
                inputsEncrypted: columns.blob("inputs_encrypted").base64EncodedString(), inputsKeyId: columns.optionalText("inputs_key_id"),
                prevHash: columns.text("prev_hash"))
            let stored = columns.text("row_hash")
            walker.check(
                seq: content.seq, prevHash: content.prevHash, storedHash: stored, computedHash: try hash(content), typeProblems: columns.problems,
                // A column that could not be decoded (the user id, say) would make the key checks misfire.
                otherProblems: columns.problems.isEmpty
                    ? keyProblems(
                        present: (row["key_present"] as DatabaseValue?).map { !$0.isNull } ?? false, keyUser: Self.text(row["key_user"]),
                        content: content, erasedKeys: erasedKeys)
                    : [])
        }
        return try walker.finish(db, secret: secret)
    }

    /// Whether a decision's data key is where it should be: present and the person's own, or
    /// destroyed by a recorded erasure, never one without the other.
    /// `present`: whether the row's key is in `subject_keys`; `keyUser`: whose it is there.
    static func keyProblems(present: Bool, keyUser: String?, content: ScoreRow, erasedKeys: Set<String>) -> [String] {
        guard let keyId = content.inputsKeyId else { return [] }
        let erased = erasedKeys.contains(keyId)
        switch (present, erased) {
        case (false, false): return ["its inputs key is missing and no erasure records it (deleted outside credit store erase)"]
        case (true, true): return ["its inputs key is present although a recorded erasure destroyed it (restored from a copy)"]
        case (true, false) where keyUser != content.userId:
            return ["its inputs key is recorded for another person (an erasure would miss it)"]
        default: return []
        }
    }

    /// A value's text, or nil for any other type (never a trap on a value of another type).
    static func text(_ value: DatabaseValue?) -> String? {
        if case .string(let text)? = value?.storage { return text }
        return nil
    }

    private static func verifyErasures(_ db: Database, secret: StoreSecret) throws -> ChainReport {
        var walker = Walker(table: "erasures")
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM erasures ORDER BY seq")
        while let row = try rows.next() {
            var columns = Columns(row: row)
            let content = ErasureRow(
                seq: columns.integer("seq"), id: columns.text("id"), createdAt: columns.text("created_at"), userId: columns.text("user_id"),
                requestedBy: columns.text("requested_by"), reason: columns.text("reason"), keyIds: columns.text("key_ids"),
                decisions: columns.integer("decisions"), prevHash: columns.text("prev_hash"))
            let stored = columns.text("row_hash")
            walker.check(seq: content.seq, prevHash: content.prevHash, storedHash: stored, computedHash: try hash(content), typeProblems: columns.problems)
        }
        return try walker.finish(db, secret: secret)
    }

    private static func verifyEvaluations(_ db: Database, secret: StoreSecret) throws -> ChainReport {
        var walker = Walker(table: "risk_evaluations")
        // A store written before the response was chained (opened read-only, so not migrated) has
        // neither the digest nor the MAC column.
        let hasResponseColumn = try db.columns(in: "risk_evaluations").contains { $0.name == "response_sha256" }
        let macColumn = hasResponseColumn ? ", k.response_mac AS k_mac" : ""
        let rows = try Row.fetchCursor(db, sql: """
            SELECT e.*, k.status AS k_status, k.response AS k_response\(macColumn)
            FROM risk_evaluations e LEFT JOIN idempotency_keys k ON k.score_id = e.score_id ORDER BY e.seq
            """)
        while let row = try rows.next() {
            var columns = Columns(row: row)
            let content = EvaluationRow(
                seq: columns.integer("seq"), id: columns.text("id"), scoreId: columns.text("score_id"), createdAt: columns.text("created_at"),
                policyId: columns.text("policy_id"), policyVersion: columns.text("policy_version"), policySHA256: columns.text("policy_sha256"),
                decision: columns.text("decision"), ruleHits: columns.text("rule_hits"), reasons: columns.text("reasons"),
                responseSHA256: hasResponseColumn ? columns.optionalText("response_sha256") : nil, prevHash: columns.text("prev_hash"))
            let stored = columns.text("row_hash")
            let response = content.responseSHA256.map { responseProblems(row: row, recorded: $0, scoreId: content.scoreId, secret: secret) } ?? []
            walker.check(
                seq: content.seq, prevHash: content.prevHash, storedHash: stored, computedHash: try hash(content),
                typeProblems: columns.problems, otherProblems: response)
        }
        return try walker.finish(db, secret: secret)
    }

    /// Whether the stored response of an evaluation is the one its chained row records.
    private static func responseProblems(row: Row, recorded: String, scoreId: String, secret: StoreSecret) -> [String] {
        var columns = Columns(row: row)
        guard let status = row["k_status"] as DatabaseValue?, !status.isNull else { return ["its stored response is missing"] }
        let body = columns.blob("k_response")
        let code = columns.integer("k_status")
        guard columns.problems.isEmpty else { return columns.problems.map { "stored response: \($0)" } }
        return responseProblems(status: Int(code), body: body, mac: columns.optionalText("k_mac"), recorded: recorded, scoreId: scoreId, secret: secret)
    }

    /// Whether a stored response (`status`, `body`, `mac`) is the one its chained row records.
    static func responseProblems(status: Int, body: Data, mac: String?, recorded: String, scoreId: String, secret: StoreSecret) -> [String] {
        if StoredResponse.digest(status: status, body: body) != recorded { return ["its stored response differs from the one the chain records (edited)"] }
        if mac != StoreRules.responseMAC(scoreId: scoreId, status: status, body: body, secret: secret) {
            return ["its stored response fails its HMAC (altered, or a different key)"]
        }
        return []
    }

    /// Walks one chain in sequence order, recording every problem and resuming after each.
    struct Walker {
        let table: String
        var expectedSeq: Int64 = 1
        var previousHash = AuditChain.genesis
        var rows = 0
        var problems: [ChainReport.Problem] = []

        init(table: String) { self.table = table }

        /// Checks one row; after a problem the walk goes on from this row. `typeProblems` (columns
        /// that could not be decoded) make the hash comparison meaningless, so it is skipped.
        mutating func check(
            seq: Int64, prevHash: String, storedHash: String, computedHash: String, typeProblems: [String], otherProblems: [String] = []
        ) {
            rows += 1
            for problem in typeProblems + otherProblems { problems.append(.init(seq: seq, problem: problem)) }
            if seq != expectedSeq {
                problems.append(.init(
                    seq: min(seq, expectedSeq),
                    problem: seq > expectedSeq ? "is missing (deleted); the next row is \(seq)" : "appears out of order or twice"))
            } else if prevHash != previousHash {
                problems.append(.init(seq: seq, problem: "does not link to the row before it (rows deleted, inserted or swapped)"))
            }
            if typeProblems.isEmpty, storedHash != computedHash {
                problems.append(.init(seq: seq, problem: "its content does not match its hash (edited)"))
            }
            expectedSeq = seq + 1
            previousHash = storedHash
        }

        func finish(_ db: Database, secret: StoreSecret) throws -> ChainReport {
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, row_hash, mac FROM audit_head WHERE chain = ?", arguments: [table]) else {
                return finish(head: nil, secret: secret)
            }
            var columns = Columns(row: row)
            let head = Head(seq: columns.integer("seq"), hash: columns.text("row_hash"), mac: columns.text("mac"))
            guard columns.problems.isEmpty else {
                var report = finish(head: head, secret: secret)
                report.problems = problems + columns.problems.map { .init(seq: 0, problem: "head record: \($0)") }
                return report
            }
            return finish(head: head, secret: secret)
        }

        /// A chain's head record: its last sequence number and hash, and their HMAC.
        struct Head {
            var seq: Int64
            var hash: String
            var mac: String
        }

        /// The report, after checking the chain's end against its head record (nil when there is none).
        func finish(head: Head?, secret: StoreSecret) -> ChainReport {
            var report = ChainReport(table: table, rows: rows, headHash: previousHash, problems: problems)
            guard let head else {
                if rows > 0 { report.problems.append(.init(seq: 0, problem: "the chain's head record is missing")) }
                return report
            }
            let (seq, hash, mac) = (head.seq, head.hash, head.mac)
            if mac != secret.mac("\(table)|\(seq)|\(hash)") {
                report.problems.append(.init(seq: 0, problem: "the head record fails its HMAC (altered, or a different key)"))
            } else if seq > expectedSeq - 1 {
                report.problems.append(.init(
                    seq: expectedSeq, problem: "is missing: the head records \(seq) rows, the table ends at \(expectedSeq - 1) (truncated)"))
            } else if seq < expectedSeq - 1 || hash != previousHash {
                report.problems.append(.init(seq: seq, problem: "the head does not match the last row (rows appended outside the store)"))
            }
            return report
        }
    }
}

extension Data {
    /// The bytes of a verified row hash's hex digits.
    init(hexDigits text: String) {
        let digits = Array(text.utf8)
        self.init(stride(from: 0, to: digits.count - 1, by: 2).map { index in
            func value(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10 }
            return value(digits[index]) << 4 | value(digits[index + 1])
        })
    }
}
