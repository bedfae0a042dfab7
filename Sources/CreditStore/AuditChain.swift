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
    var prevHash: String
}

/// The content of a `risk_evaluations` row that its hash covers.
struct EvaluationRow: Encodable {
    var seq: Int64
    var id, scoreId, createdAt, policyId, policyVersion, policySHA256, decision, ruleHits, reasons: String
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
        for (key, value) in [
            ("createdAt", createdAt), ("decision", decision), ("id", id), ("policyId", policyId), ("policySHA256", policySHA256),
            ("policyVersion", policyVersion), ("prevHash", prevHash), ("reasons", reasons), ("ruleHits", ruleHits), ("scoreId", scoreId),
        ] {
            json.key(key)
            json.string(value)
        }
        json.key("seq")
        json.integer(seq)
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
        public var table: String
        public var rows: Int
        /// The last row's hash (to anchor outside the database).
        public var headHash: String
        /// The first bad row and what is wrong with it; nil when the chain holds.
        public var firstProblem: (seq: Int64, problem: String)?

        public static func == (a: ChainReport, b: ChainReport) -> Bool {
            a.table == b.table && a.rows == b.rows && a.headHash == b.headHash && a.firstProblem?.seq == b.firstProblem?.seq
                && a.firstProblem?.problem == b.firstProblem?.problem
        }

        public var description: String {
            if let problem = firstProblem { return "\(table): row \(problem.seq): \(problem.problem)" }
            return "\(table): \(rows) rows, chain intact, head \(headHash)"
        }
    }

    /// Verifies both chains of the store at `path` (opened read-only).
    /// - Throws: ``StoreError/database(_:)`` when the file cannot be read as a store.
    public static func verify(path: String, secret: StoreSecret) throws(StoreError) -> [ChainReport] {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                [try verifyScores(db, secret: secret), try verifyEvaluations(db, secret: secret)]
            }
        } catch {
            throw .database("\(path): \(error)")
        }
    }

    private static func verifyScores(_ db: Database, secret: StoreSecret) throws -> ChainReport {
        var walker = Walker(table: "credit_scores")
        for row in try Row.fetchAll(db, sql: "SELECT * FROM credit_scores ORDER BY seq") {
            let encrypted: Data = row["inputs_encrypted"]
            let content = ScoreRow(
                seq: row["seq"], id: row["id"], createdAt: row["created_at"], eventId: row["event_id"], loanId: row["loan_id"],
                userId: row["user_id"], amount: row["amount"], tenorMonths: row["tenor_months"], applicationDate: row["application_date"],
                modelId: row["model_id"], modelVersion: row["model_version"], modelSHA256: row["model_sha256"], score: row["score"],
                probabilityOfDefault: row["pd"], grade: row["grade"], inputsEncrypted: encrypted.base64EncodedString(), prevHash: row["prev_hash"])
            if walker.check(seq: content.seq, prevHash: content.prevHash, storedHash: row["row_hash"], computedHash: try hash(content)) { break }
        }
        return try walker.finish(db, secret: secret)
    }

    private static func verifyEvaluations(_ db: Database, secret: StoreSecret) throws -> ChainReport {
        var walker = Walker(table: "risk_evaluations")
        for row in try Row.fetchAll(db, sql: "SELECT * FROM risk_evaluations ORDER BY seq") {
            let content = EvaluationRow(
                seq: row["seq"], id: row["id"], scoreId: row["score_id"], createdAt: row["created_at"], policyId: row["policy_id"],
                policyVersion: row["policy_version"], policySHA256: row["policy_sha256"], decision: row["decision"],
                ruleHits: row["rule_hits"], reasons: row["reasons"], prevHash: row["prev_hash"])
            if walker.check(seq: content.seq, prevHash: content.prevHash, storedHash: row["row_hash"], computedHash: try hash(content)) { break }
        }
        return try walker.finish(db, secret: secret)
    }

    /// Walks one chain in sequence order and remembers the first problem.
    private struct Walker {
        let table: String
        var expectedSeq: Int64 = 1
        var previousHash = AuditChain.genesis
        var rows = 0
        var problem: (seq: Int64, problem: String)?

        init(table: String) { self.table = table }

        /// Checks one row; returns true when the walk should stop.
        mutating func check(seq: Int64, prevHash: String, storedHash: String, computedHash: String) -> Bool {
            if seq != expectedSeq {
                problem = (expectedSeq, seq > expectedSeq ? "is missing (deleted); the next row is \(seq)" : "appears twice")
            } else if prevHash != previousHash {
                problem = (seq, "does not link to the row before it (rows deleted, inserted or swapped)")
            } else if storedHash != computedHash {
                problem = (seq, "its content does not match its hash (edited)")
            }
            if problem != nil { return true }
            rows += 1
            expectedSeq += 1
            previousHash = storedHash
            return false
        }

        func finish(_ db: Database, secret: StoreSecret) throws -> ChainReport {
            var report = ChainReport(table: table, rows: rows, headHash: previousHash, firstProblem: problem)
            guard problem == nil else { return report }
            guard let head = try Row.fetchOne(db, sql: "SELECT seq, row_hash, mac FROM audit_head WHERE chain = ?", arguments: [table]) else {
                if rows > 0 { report.firstProblem = (Int64(rows), "the chain's head record is missing") }
                return report
            }
            let seq: Int64 = head["seq"]
            let hash: String = head["row_hash"]
            let mac: String = head["mac"]
            if mac != secret.mac("\(table)|\(seq)|\(hash)") {
                report.firstProblem = (seq, "the head record fails its HMAC (altered, or a different key)")
            } else if seq > rows {
                report.firstProblem = (Int64(rows) + 1, "is missing: the head records \(seq) rows, the table ends at \(rows) (truncated)")
            } else if seq < rows || hash != previousHash {
                report.firstProblem = (seq, "the head does not match the last row (rows appended outside the store)")
            }
            return report
        }
    }
}
