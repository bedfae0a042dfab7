import CreditAudit
import Foundation
import PostgresNIO

extension PostgresDecisionStore {
    /// Verifies the chains of the store as ``AuditChain/verify(path:secret:checkpoints:)`` does
    /// for SQLite: every row's hash, sequence and link, every stored response against its chained
    /// digest and HMAC, every data key against the erasures, each chain's authenticated head, the
    /// append-only triggers, and with `checkpoints` the chain against its latest signed checkpoint.
    /// The schema's column types rule out values of another type. Rows are streamed.
    /// - Throws: ``StoreError/schemaVersion(_:)`` for a database at another version;
    ///   ``StoreError/database(_:)`` when it cannot be read.
    public func verify(checkpoints: [String: Checkpoint] = [:]) async throws(StoreError) -> [AuditChain.ChainReport] {
        try await database { () async throws -> [AuditChain.ChainReport] in
            try await client.withConnection { connection in
                try await Self.checkVersion(connection, logger: logger)
                let erased = try await erasedKeyIds(connection)
                var reports = [
                    try await verifyScores(connection, erasedKeys: erased), try await verifyEvaluations(connection),
                    try await verifyErasures(connection),
                ]
                for index in reports.indices {
                    guard let checkpoint = checkpoints[reports[index].table] else { continue }
                    reports[index].problems += try await checkpointProblems(connection, table: reports[index].table, checkpoint: checkpoint)
                }
                let schema = try await Self.triggerProblems(connection, logger: logger).map { AuditChain.ChainReport.Problem(seq: 0, problem: $0) }
                reports[0].problems.insert(contentsOf: schema, at: 0)
                return reports
            }
        }
    }

    /// The inclusion proof of the decision `scoreId` (``AuditChain/prove(path:secret:scoreId:treeSize:)``),
    /// after the store verified intact.
    public func prove(scoreId: String, treeSize: Int? = nil) async throws(StoreError) -> AuditChain.InclusionProof {
        let reports = try await verify()
        guard reports.allSatisfy({ $0.problems.isEmpty }) else { throw .notIntact }
        let hashes = try await database { () async throws -> [String] in
            var hashes: [String] = []
            for try await hash in try await client.query("SELECT row_hash FROM credit_scores ORDER BY seq", logger: logger).decode(String.self) {
                hashes.append(hash)
            }
            return hashes
        }
        var seq: Int64?
        if Self.isCanonicalUUID(scoreId) {
            seq = try await database { () async throws -> Int64? in
                for try await value in try await client.query("SELECT seq FROM credit_scores WHERE id = \(scoreId)::uuid", logger: logger)
                    .decode(Int64.self)
                { return value }
                return nil
            }
        }
        return try AuditChain.proof(scoreId: scoreId, seq: seq, hashes: hashes, treeSize: treeSize)
    }

    private func head(_ connection: PostgresConnection, chain: String) async throws -> AuditChain.Walker.Head? {
        for try await (seq, hash, mac) in try await connection.query(
            "SELECT seq, row_hash, mac FROM audit_head WHERE chain = \(chain)", logger: logger
        ).decode((Int64, String, String).self) {
            return .init(seq: seq, hash: hash, mac: mac)
        }
        return nil
    }

    private func checkpointProblems(_ connection: PostgresConnection, table: String, checkpoint: Checkpoint) async throws -> [AuditChain.ChainReport.Problem] {
        var last: Int64 = 0
        var hash: String?
        for try await (seq, rowHash) in try await connection.query(PostgresQuery(
            unsafeSQL: "SELECT (SELECT coalesce(max(seq), 0) FROM \(table)), (SELECT row_hash FROM \(table) WHERE seq = $1)",
            binds: { var binds = PostgresBindings(); binds.append(checkpoint.seq); return binds }()), logger: logger
        ).decode((Int64, String?).self) {
            (last, hash) = (seq, rowHash)
        }
        return AuditChain.checkpointProblems(lastSeq: last, hashAtCheckpoint: hash, checkpoint: checkpoint)
    }

    private func verifyScores(_ connection: PostgresConnection, erasedKeys: Set<String>) async throws -> AuditChain.ChainReport {
        var walker = AuditChain.Walker(table: "credit_scores")
        let rows = try await connection.query("""
            SELECT s.seq, s.id::text, \(unescaped: Self.timeText("s.created_at")), s.event_id, s.loan_id, s.user_id, s.amount, s.tenor_months,
              to_char(s.application_date, 'YYYY-MM-DD'), s.model_id, s.model_version, s.model_sha256, s.score, s.pd, s.grade,
              s.inputs_encrypted, s.inputs_key_id::text, s.prev_hash, s.row_hash, sk.key_id IS NOT NULL, sk.user_id
            FROM credit_scores s LEFT JOIN subject_keys sk ON sk.key_id = s.inputs_key_id ORDER BY s.seq
            """, logger: logger)
        for try await row in rows {
            let (seq, id, createdAt, eventId, loanId, userId, amount, tenor, date, modelId, modelVersion, modelSHA256) =
                try row.decode((Int64, String, String, String, String, String, Double, Double?, String, String, String, String).self)
            let (score, pd, grade, encrypted, keyId, prevHash, rowHash, keyPresent, keyUser) = try row.makeRandomAccess().decodeColumns(
                (Double?, Double?, String?, Data, String?, String, String, Bool, String?).self, from: 12)
            let content = ScoreRow(
                seq: seq, id: id, createdAt: createdAt, eventId: eventId, loanId: loanId, userId: userId, amount: amount, tenorMonths: tenor,
                applicationDate: date, modelId: modelId, modelVersion: modelVersion, modelSHA256: modelSHA256, score: score,
                probabilityOfDefault: pd, grade: grade, inputsEncrypted: encrypted.base64EncodedString(), inputsKeyId: keyId, prevHash: prevHash)
            walker.check(
                seq: seq, prevHash: prevHash, storedHash: rowHash, computedHash: try AuditChain.hash(content), typeProblems: [],
                otherProblems: AuditChain.keyProblems(present: keyPresent, keyUser: keyUser, content: content, erasedKeys: erasedKeys))
        }
        return walker.finish(head: try await head(connection, chain: "credit_scores"), secret: secret)
    }

    private func verifyEvaluations(_ connection: PostgresConnection) async throws -> AuditChain.ChainReport {
        var walker = AuditChain.Walker(table: "risk_evaluations")
        let rows = try await connection.query("""
            SELECT e.seq, e.id::text, e.score_id::text, \(unescaped: Self.timeText("e.created_at")), e.policy_id, e.policy_version,
              e.policy_sha256, e.decision, e.rule_hits, e.reasons, e.response_sha256, e.prev_hash, e.row_hash,
              k.status::int8, k.response, k.response_mac
            FROM risk_evaluations e LEFT JOIN idempotency_keys k ON k.score_id = e.score_id ORDER BY e.seq
            """, logger: logger)
        for try await row in rows {
            let (seq, id, scoreId, createdAt, policyId, policyVersion, policySHA256, decision, ruleHits, reasons, responseSHA256, prevHash) =
                try row.decode((Int64, String, String, String, String, String, String, String, String, String, String, String).self)
            let (rowHash, status, body, mac) = try row.makeRandomAccess().decodeColumns((String, Int64?, Data?, String?).self, from: 12)
            let content = EvaluationRow(
                seq: seq, id: id, scoreId: scoreId, createdAt: createdAt, policyId: policyId, policyVersion: policyVersion,
                policySHA256: policySHA256, decision: decision, ruleHits: ruleHits, reasons: reasons, responseSHA256: responseSHA256,
                prevHash: prevHash)
            let response = if let status, let body {
                AuditChain.responseProblems(status: Int(status), body: body, mac: mac, recorded: responseSHA256, scoreId: scoreId, secret: secret)
            } else {
                ["its stored response is missing"]
            }
            walker.check(
                seq: seq, prevHash: prevHash, storedHash: rowHash, computedHash: try AuditChain.hash(content), typeProblems: [],
                otherProblems: response)
        }
        return walker.finish(head: try await head(connection, chain: "risk_evaluations"), secret: secret)
    }

    private func verifyErasures(_ connection: PostgresConnection) async throws -> AuditChain.ChainReport {
        var walker = AuditChain.Walker(table: "erasures")
        let rows = try await connection.query("""
            SELECT seq, id::text, \(unescaped: Self.timeText("created_at")), user_id, requested_by, reason, key_ids, decisions,
              prev_hash, row_hash
            FROM erasures ORDER BY seq
            """, logger: logger)
        for try await (seq, id, createdAt, userId, requestedBy, reason, keyIds, decisions, prevHash, rowHash) in rows.decode(
            (Int64, String, String, String, String, String, String, Int64, String, String).self)
        {
            let content = ErasureRow(
                seq: seq, id: id, createdAt: createdAt, userId: userId, requestedBy: requestedBy, reason: reason, keyIds: keyIds,
                decisions: decisions, prevHash: prevHash)
            walker.check(seq: seq, prevHash: prevHash, storedHash: rowHash, computedHash: try AuditChain.hash(content), typeProblems: [])
        }
        return walker.finish(head: try await head(connection, chain: "erasures"), secret: secret)
    }
}
