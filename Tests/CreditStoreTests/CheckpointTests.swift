import CreditAudit
import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

private let secret = try! StoreSecret(base64: Data(repeating: 9, count: 32).base64EncodedString())

private func decision(_ index: Int) -> NewDecision {
    let id = String(format: "00000000-0000-4000-9000-%012d", index)
    return NewDecision(
        scoreId: id, evaluationId: "e-\(id)", createdAt: "2026-12-02T10:00:00.000Z", eventId: "evt-\(index)", loanId: "loan-1",
        userId: "user-\(index)", amount: 1_000_000, tenorMonths: nil, applicationDate: "2026-12-02", modelId: "m", modelVersion: "1.0.0",
        modelSHA256: "a", score: 600, probabilityOfDefault: 0.05, grade: nil, policyId: "p", policyVersion: "1.0.0", policySHA256: "b",
        decision: "refer", ruleHitsJSON: "[]", reasonsJSON: "[]", inputsJSON: Data("{}".utf8), idempotencyKey: "event:evt-\(index)",
        requestSHA256: "r", responseStatus: 201, responseBody: Data("{\"decision\":\"refer\"}".utf8))
}

@Suite("Signed checkpoints: rollback, an older copy and a wipe are caught")
struct CheckpointTests {
    let keys = CheckpointSigner.generate()

    /// A store of 4 + 4 decisions with its checkpoint log, and a copy of the file taken after the first batch.
    private func store(_ directory: TemporaryDirectory) throws -> (path: String, log: String, backup: String) {
        let path = directory.path("store.db"), log = directory.path("checkpoints.jsonl"), backup = directory.path("backup.db")
        let emitted = LockedLines()
        let checkpoints = try CheckpointLog(path: log, signer: try CheckpointSigner(base64: keys.privateKey)) { checkpoint, written in if written { emitted.append(checkpoint.jsonLine()) } }
        do {
            let store = try DecisionStore(path: path, secret: secret, checkpoints: checkpoints)
            _ = try store.record((1...4).map(decision))
            try sqlite(path, "VACUUM INTO '\(backup)'")
            _ = try store.record((5...8).map(decision))
        }
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "one checkpoint per chain per batch")
        #expect(emitted.lines == lines)
        return (path, log, backup)
    }

    private func problems(_ path: String, log: String) throws -> [String] {
        let (latest, logProblems) = try CheckpointLog.latest(path: log, publicKey: keys.publicKey)
        return logProblems + (try AuditChain.verify(path: path, secret: secret, checkpoints: latest)).flatMap { report in
            report.problems.map { "\(report.table): \($0)" }
        }
    }

    @Test("an untouched store agrees with its latest checkpoints")
    func untouched() throws {
        let directory = try TemporaryDirectory()
        let (path, log, _) = try store(directory)
        #expect(try problems(path, log: log).isEmpty)
        let (latest, _) = try CheckpointLog.latest(path: log, publicKey: keys.publicKey)
        #expect(latest["credit_scores"]?.seq == 8 && latest["risk_evaluations"]?.seq == 8)
    }

    @Test("an older backup put in place, with its validly authenticated head, is behind the checkpoint")
    func olderCopy() throws {
        let directory = try TemporaryDirectory()
        let (path, log, backup) = try store(directory)
        try FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        // Without checkpoints the copy looks intact: that is what they are for.
        #expect(try AuditChain.verify(path: path, secret: secret).allSatisfy { $0.problems.isEmpty })
        let found = try problems(path, log: log)
        #expect(found.count == 2)
        #expect(found.first?.hasPrefix("credit_scores: the store ends at row 4, behind the signed checkpoint of row 8 at ") == true)
    }

    @Test("deleting every row and every head is caught")
    func wipe() throws {
        let directory = try TemporaryDirectory()
        let (path, log, _) = try store(directory)
        try sqlite(path, """
            DROP TRIGGER credit_scores_no_delete; DROP TRIGGER risk_evaluations_no_delete; DROP TRIGGER idempotency_keys_no_delete;
            DELETE FROM idempotency_keys; DELETE FROM risk_evaluations; DELETE FROM credit_scores; DELETE FROM audit_head;
            """)
        let found = try problems(path, log: log)
        #expect(found.contains { $0.hasPrefix("credit_scores: the store ends at row 0, behind the signed checkpoint of row 8") })
        #expect(found.contains { $0.hasPrefix("risk_evaluations: the store ends at row 0, behind the signed checkpoint of row 8") })
    }

    @Test("a checkpoint line that is forged, or signed by another key, is a problem of the log")
    func forgedCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let (path, log, _) = try store(directory)
        var lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"seq\":4", with: "\"seq\":3")
        lines.append(try CheckpointSigner(base64: CheckpointSigner.generate().privateKey)
            .sign(chain: "credit_scores", seq: 1, head: "x", time: "2026-12-02T00:00:00Z").jsonLine())
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        #expect(try problems(path, log: log) == [
            "checkpoint log line 2 is not a validly signed checkpoint", "checkpoint log line 5 is not a validly signed checkpoint",
        ])
    }

    @Test("a rewritten chain whose row at the checkpoint has another hash is a fork")
    func fork() throws {
        let directory = try TemporaryDirectory()
        let (path, log, _) = try store(directory)
        try sqlite(path, """
            DROP TRIGGER credit_scores_no_update;
            UPDATE credit_scores SET row_hash = '\(String(repeating: "f", count: 64))' WHERE seq = 8;
            """)
        #expect(try problems(path, log: log).contains("credit_scores: row 8: its hash differs from the signed checkpoint of "
            + "\(try CheckpointLog.latest(path: log, publicKey: keys.publicKey).latest["credit_scores"]!.time) (the chain was forked or rewritten)"))
    }
}

/// Lines collected from another thread.
private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
