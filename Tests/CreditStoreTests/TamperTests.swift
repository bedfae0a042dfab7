import CreditAudit
import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

private let secret = try! StoreSecret(base64: Data(repeating: 7, count: 32).base64EncodedString())

/// A decision whose response names its limit, so a forged limit is visible in the bytes.
private func decision(_ index: Int, maxAmount: Int = 12_000_000) -> NewDecision {
    let id = String(format: "00000000-0000-4000-8000-%012d", index)
    return NewDecision(
        scoreId: id, evaluationId: "e-\(id)", createdAt: "2026-12-02T10:00:00.000Z", eventId: "evt-\(index)", loanId: "loan-\(index % 3)",
        userId: "user-\(index)", amount: 5_000_000, tenorMonths: 12, applicationDate: "2026-12-02", modelId: "m", modelVersion: "1.0.0",
        modelSHA256: "a", score: 612, probabilityOfDefault: 0.04, grade: "B", policyId: "p", policyVersion: "1.0.0", policySHA256: "b",
        decision: "approve", ruleHitsJSON: "[]", reasonsJSON: "[]", inputsJSON: Data("{}".utf8), idempotencyKey: "event:evt-\(index)",
        requestSHA256: "r\(index)", responseStatus: 201, responseBody: Data("{\"decision\":\"approve\",\"max_amount\":\(maxAmount)}".utf8))
}

/// A store with `count` decisions, recorded in two batches.
private func makeStore(_ directory: TemporaryDirectory, count: Int = 6) throws -> String {
    let path = directory.path("store.db")
    let store = try DecisionStore(path: path, secret: secret)
    _ = try store.record((1...count / 2).map { decision($0) })
    _ = try store.record(((count / 2 + 1)...count).map { decision($0) })
    return path
}

private func problems(_ path: String) throws -> [String] {
    try AuditChain.verify(path: path, secret: secret).flatMap { report in report.problems.map { "\(report.table): \($0)" } }
}

@Suite("Audit trail under attack: what was answered is chained, verify reports every problem and never crashes")
struct TamperTests {
    @Test("an untouched store verifies")
    func untouched() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        #expect(try problems(path).isEmpty)
        let reports = try AuditChain.verify(path: path, secret: secret)
        #expect(reports.map(\.rows) == [6, 6, 0])
    }

    @Test("a forged stored response is caught by verify and never served")
    func forgedResponse() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        let forged = "{\"decision\":\"approve\",\"max_amount\":900000000}"
        try sqlite(path, """
            DROP TRIGGER idempotency_keys_no_update;
            UPDATE idempotency_keys SET response = CAST('\(forged)' AS BLOB) WHERE score_id = '00000000-0000-4000-8000-000000000002';
            CREATE TRIGGER idempotency_keys_no_update BEFORE UPDATE ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'idempotency_keys is append-only'); END;
            """)
        #expect(try problems(path) == ["risk_evaluations: row 2: its stored response differs from the one the chain records (edited)"])
        let store = try DecisionStore(path: path, secret: secret)
        let id = "00000000-0000-4000-8000-000000000002"
        #expect(throws: StoreError.integrity(scoreId: id)) { try store.response(forScore: id) }
        #expect(throws: StoreError.integrity(scoreId: id)) { try store.response(forKey: "event:evt-2") }
        #expect(throws: StoreError.integrity(scoreId: id)) { try store.responses(forLoan: "loan-2").bodies }
        // A retry of the same request must not get the forged bytes either.
        #expect(try store.record([decision(2)]).first.map { result in
            if case .failure(.integrity(id)) = result { return true } else { return false }
        } == true)
        // An untouched neighbour is still served.
        #expect(try store.response(forScore: "00000000-0000-4000-8000-000000000001")?.body == decision(1).responseBody)
    }

    @Test("a forged response with a recomputed digest fails its HMAC")
    func forgedResponseAndDigest() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        let forged = Data("{\"decision\":\"approve\",\"max_amount\":900000000}".utf8)
        let digest = StoredResponse.digest(status: 201, body: forged)
        try sqlite(path, """
            DROP TRIGGER idempotency_keys_no_update;
            DROP TRIGGER risk_evaluations_no_update;
            UPDATE idempotency_keys SET response = CAST('\(String(decoding: forged, as: UTF8.self))' AS BLOB) WHERE score_id LIKE '%000000000003';
            UPDATE risk_evaluations SET response_sha256 = '\(digest)' WHERE score_id LIKE '%000000000003';
            """)
        let found = try problems(path)
        #expect(found.contains("credit_scores: the append-only trigger idempotency_keys_no_update is missing"))
        #expect(found.contains("risk_evaluations: row 3: its stored response fails its HMAC (altered, or a different key)"))
        #expect(found.contains("risk_evaluations: row 3: its content does not match its hash (edited)"))
    }

    @Test("a dropped or altered append-only trigger is reported, and the store refuses to open")
    func droppedTrigger() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        try sqlite(path, """
            DROP TRIGGER credit_scores_no_delete;
            DROP TRIGGER risk_evaluations_no_update;
            CREATE TRIGGER risk_evaluations_no_update BEFORE UPDATE ON risk_evaluations BEGIN SELECT 1; END;
            """)
        #expect(try problems(path) == [
            "credit_scores: the append-only trigger credit_scores_no_delete is missing",
            "credit_scores: the append-only trigger risk_evaluations_no_update has been altered",
        ])
        #expect(throws: StoreError.schema("the append-only trigger credit_scores_no_delete is missing")) {
            try DecisionStore(path: path, secret: secret)
        }
    }

    @Test("values of another type are named with their row, and every bad row is reported")
    func typeChanges() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        try sqlite(path, """
            DROP TRIGGER credit_scores_no_update;
            UPDATE credit_scores SET amount = 'a lot' WHERE seq = 2;
            UPDATE credit_scores SET user_id = X'00FF' WHERE seq = 4;
            UPDATE credit_scores SET grade = 'A' WHERE seq = 5;
            CREATE TRIGGER credit_scores_no_update BEFORE UPDATE ON credit_scores BEGIN SELECT RAISE(ABORT, 'credit_scores is append-only'); END;
            """)
        #expect(try problems(path) == [
            "credit_scores: row 2: column amount holds text, not a number",
            "credit_scores: row 4: column user_id holds a blob, not text",
            "credit_scores: row 5: its content does not match its hash (edited)",
        ])
    }

    @Test("deleted and reordered rows are each reported, and the walk goes on past them")
    func deletionsAndTruncation() throws {
        let directory = try TemporaryDirectory()
        let path = try makeStore(directory)
        try sqlite(path, """
            DROP TRIGGER credit_scores_no_delete;
            DELETE FROM credit_scores WHERE seq IN (2, 6);
            """)
        let found = try problems(path)
        #expect(found.contains("credit_scores: row 2: is missing (deleted); the next row is 3"))
        #expect(found.contains("credit_scores: row 3: does not link to the row before it (rows deleted, inserted or swapped)") == false)
        #expect(found.contains("credit_scores: row 6: is missing: the head records 6 rows, the table ends at 5 (truncated)"))
    }

    @Test("verify and replay's store refuse a path with no store instead of creating one")
    func missingStore() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("nope.db")
        #expect(throws: StoreError.missingStore(path)) { try AuditChain.verify(path: path, secret: secret) }
        #expect(throws: StoreError.missingStore(path)) { try DecisionStore(path: path, secret: secret, create: false) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("random single tampering of a random store is always detected", arguments: 0..<12)
    func randomTampering(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &+ 1000)
        let directory = try TemporaryDirectory()
        let count = 2 + random.below(8)
        let path = try makeStore(directory, count: count * 2)
        let row = 1 + random.below(count * 2)
        let actions = [
            "DROP TRIGGER credit_scores_no_update; UPDATE credit_scores SET amount = amount + 1 WHERE seq = \(row);",
            "DROP TRIGGER credit_scores_no_update; UPDATE credit_scores SET loan_id = 'loan-x' WHERE seq = \(row);",
            "DROP TRIGGER risk_evaluations_no_update; UPDATE risk_evaluations SET decision = 'decline' WHERE seq = \(row);",
            "DROP TRIGGER credit_scores_no_delete; DELETE FROM credit_scores WHERE seq = \(row);",
            "DROP TRIGGER risk_evaluations_no_delete; DELETE FROM risk_evaluations WHERE seq = \(row);",
            "DROP TRIGGER idempotency_keys_no_update; UPDATE idempotency_keys SET status = 200 WHERE score_id LIKE '%\(String(format: "%012d", row))';",
            "DROP TRIGGER idempotency_keys_no_update; UPDATE idempotency_keys SET response = CAST('{}' AS BLOB) WHERE score_id LIKE '%\(String(format: "%012d", row))';",
            "UPDATE audit_head SET seq = seq - 1 WHERE chain = 'credit_scores';",
            "DELETE FROM audit_head;",
            "DELETE FROM subject_keys WHERE user_id = 'user-\(row)';",
            "DROP TRIGGER subject_keys_no_update; UPDATE subject_keys SET user_id = 'user-x' WHERE user_id = 'user-\(row)';",
        ]
        let action = actions[random.below(actions.count)]
        try sqlite(path, action)
        #expect(!(try problems(path)).isEmpty, "undetected: \(action)")
    }
}
