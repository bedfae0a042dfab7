import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

private let secret = try! StoreSecret(base64: Data(repeating: 9, count: 32).base64EncodedString())

/// Decision `index` of person `user`, with inputs that name them.
private func decision(_ index: Int, user: String) -> NewDecision {
    let id = String(format: "00000000-0000-4000-8000-%012d", index)
    return NewDecision(
        scoreId: id, evaluationId: "e-\(id)", createdAt: "2026-12-03T10:00:00.000Z", eventId: "evt-\(index)", loanId: "loan-\(index)",
        userId: user, amount: 5_000_000, tenorMonths: 12, applicationDate: "2026-12-03", modelId: "m", modelVersion: "1.0.0",
        modelSHA256: "a", score: 612, probabilityOfDefault: 0.04, grade: "B", policyId: "p", policyVersion: "1.0.0", policySHA256: "b",
        decision: "approve", ruleHitsJSON: "[]", reasonsJSON: "[]", inputsJSON: Data("{\"applicant.nik\":\"3171-\(user)\"}".utf8),
        idempotencyKey: "event:evt-\(index)", requestSHA256: "r\(index)", responseStatus: 201, responseBody: Data("{\"n\":\(index)}".utf8))
}

private func request(_ user: String) -> ErasureRequest {
    ErasureRequest(id: UUID().uuidString.lowercased(), createdAt: "2026-12-03T11:00:00.000Z", userId: user, requestedBy: "dpo:ticket-7",
                   reason: "data subject request DSR-2026-0042")
}

/// Every problem `verify` reports, prefixed by its chain.
private func problems(_ path: String) throws -> [String] {
    try AuditChain.verify(path: path, secret: secret).flatMap { report in report.problems.map { "\(report.table): \($0)" } }
}

/// Decisions 1–6: person A has 1, 3 and 5, person B the others.
private func makeStore(_ directory: TemporaryDirectory) throws -> (path: String, store: DecisionStore) {
    let path = directory.path("store.db")
    let store = try DecisionStore(path: path, secret: secret)
    _ = try store.record((1...3).map { decision($0, user: $0 % 2 == 1 ? "usr-a" : "usr-b") })
    _ = try store.record((4...6).map { decision($0, user: $0 % 2 == 1 ? "usr-a" : "usr-b") })
    return (path, store)
}

/// The outcome of each stored decision's inputs: the JSON, or the error's case.
private func inputs(_ store: DecisionStore) throws -> [String] {
    try store.storedDecisions().map { stored in
        switch stored.inputsJSON {
        case .success(let data): String(decoding: data, as: UTF8.self)
        case .failure(.erased): "erased"
        case .failure(.inputsKeyMissing): "key missing"
        case .failure(let error): "\(error)"
        }
    }
}

@Suite("Erasure by crypto-shredding: one person's inputs destroyed, the chain intact, the erasure itself chained")
struct ErasureTests {
    @Test("erasing a person makes exactly their inputs unreadable; verify passes and the erasure is a chained row")
    func eraseOnePerson() throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        let wrapped = try sqliteRows(path, "SELECT wrapped FROM subject_keys WHERE user_id = 'usr-a'")
        #expect(wrapped.count == 1 && wrapped[0].count == 2 * 60)
        let report = try store.erase(request("usr-a"))
        #expect(report == ErasureReport(seq: 1, decisions: 3, decisionsUnderStoreKey: 0, filesOverwritten: true))
        #expect(try inputs(store) == [
            "erased", "{\"applicant.nik\":\"3171-usr-b\"}", "erased", "{\"applicant.nik\":\"3171-usr-b\"}", "erased",
            "{\"applicant.nik\":\"3171-usr-b\"}",
        ])
        #expect(try problems(path).isEmpty)
        let reports = try AuditChain.verify(path: path, secret: secret)
        #expect(reports.map(\.table) == ["credit_scores", "risk_evaluations", "erasures"] && reports.map(\.rows) == [6, 6, 1])
        #expect(try sqliteRows(path, "SELECT requested_by || '|' || reason || '|' || decisions FROM erasures")
            == ["dpo:ticket-7|data subject request DSR-2026-0042|3"])
        // The answers stay: the Loan service's GET still works for an erased person's decision.
        #expect(try store.response(forScore: "00000000-0000-4000-8000-000000000001")?.body == Data("{\"n\":1}".utf8))
        // The key's bytes are gone from the database and its write-ahead log, not just unlinked.
        var files = try Data(contentsOf: URL(fileURLWithPath: path))
        if let log = FileManager.default.contents(atPath: path + "-wal") { files.append(log) }
        let needle = try #require(Data(hexString: wrapped[0]))
        #expect(files.range(of: needle) == nil)
        #expect(files.range(of: needle.prefix(24)) == nil)
    }

    @Test("a person erased and then scored again gets a new key; the old decisions stay erased")
    func scoredAgainAfterErasure() throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        _ = try store.erase(request("usr-a"))
        _ = try store.record([decision(7, user: "usr-a")])
        #expect(try inputs(store).suffix(2) == ["{\"applicant.nik\":\"3171-usr-b\"}", "{\"applicant.nik\":\"3171-usr-a\"}"])
        #expect(try inputs(store).filter { $0 == "erased" }.count == 3)
        #expect(try problems(path).isEmpty)
        // A second erasure destroys the new key and is a second chained row.
        #expect(try store.erase(request("usr-a")).seq == 2)
        #expect(try inputs(store).filter { $0 == "erased" }.count == 4)
        #expect(try problems(path).isEmpty)
    }

    @Test("inputs sealed ahead of the write are stored as sealed; sealed under a key erased meanwhile, they are sealed again")
    func sealedAhead() async throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        let ahead = try #require(await store.seal(decision(7, user: "usr-a")))
        _ = try store.record([decision(7, user: "usr-a")], sealed: [ahead])
        #expect(try sqliteRows(path, "SELECT inputs_encrypted FROM credit_scores WHERE seq = 7") == [ahead.ciphertext.map { String(format: "%02x", $0) }.joined()])
        // Another process erases the person between the sealing and the write.
        let stale = try #require(await store.seal(decision(8, user: "usr-a")))
        _ = try DecisionStore(path: path, secret: secret).erase(request("usr-a"))
        _ = try store.record([decision(8, user: "usr-a")], sealed: [stale])
        #expect(try sqliteRows(path, "SELECT inputs_encrypted FROM credit_scores WHERE seq = 8") != [stale.ciphertext.map { String(format: "%02x", $0) }.joined()])
        #expect(try inputs(store).last == "{\"applicant.nik\":\"3171-usr-a\"}")
        #expect(try inputs(store).filter { $0 == "erased" }.count == 4)
        #expect(try problems(path).isEmpty)
        // A person with no key yet has nothing to seal ahead with.
        #expect(await store.seal(decision(9, user: "usr-new")) == nil)
    }

    @Test("a key deleted without an erasure, restored after one, or moved to another person is reported")
    func keyTampering() throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        let saved = try sqliteRows(path, "SELECT key_id || '|' || hex(wrapped) || '|' || created_at FROM subject_keys WHERE user_id = 'usr-a'")[0]
            .split(separator: "|").map(String.init)
        _ = try store.erase(request("usr-a"))
        // Restored from a backup after the erasure.
        try sqlite(path, "INSERT INTO subject_keys VALUES ('\(saved[0])', 'usr-a', X'\(saved[1])', '\(saved[2])')")
        #expect(try problems(path) == [1, 3, 5].map {
            "credit_scores: row \($0): its inputs key is present although a recorded erasure destroyed it (restored from a copy)"
        })
        try sqlite(path, "DELETE FROM subject_keys WHERE key_id = '\(saved[0])'")
        // B's key deleted behind the store's back: their decisions are tampered with, not erased.
        try sqlite(path, "DELETE FROM subject_keys WHERE user_id = 'usr-b'")
        #expect(try problems(path) == [2, 4, 6].map {
            "credit_scores: row \($0): its inputs key is missing and no erasure records it (deleted outside credit store erase)"
        })
        #expect(try inputs(store).filter { $0 == "key missing" }.count == 3)
    }

    @Test("a key recorded for another person, so an erasure would miss it, is reported")
    func keyMovedToAnotherPerson() throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try makeStore(directory)
        try sqlite(path, """
            DROP TRIGGER subject_keys_no_update;
            UPDATE subject_keys SET user_id = 'usr-z' WHERE user_id = 'usr-a';
            CREATE TRIGGER subject_keys_no_update BEFORE UPDATE ON subject_keys BEGIN SELECT RAISE(ABORT, 'subject_keys rows never change'); END;
            """)
        #expect(try problems(path) == [1, 3, 5].map { "credit_scores: row \($0): its inputs key is recorded for another person (an erasure would miss it)" })
    }

    @Test("an erasure row edited or deleted is caught, and its triggers are part of the schema check")
    func erasureTampering() throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        _ = try store.erase(request("usr-a"))
        _ = try store.erase(request("usr-b"))
        try sqlite(path, """
            DROP TRIGGER erasures_no_update;
            UPDATE erasures SET requested_by = 'someone-else' WHERE seq = 1;
            """)
        #expect(try problems(path) == [
            "credit_scores: the append-only trigger erasures_no_update is missing",
            "erasures: row 1: its content does not match its hash (edited)",
        ])
        #expect(throws: StoreError.schema("the append-only trigger erasures_no_update is missing")) { try DecisionStore(path: path, secret: secret) }
        try sqlite(path, """
            CREATE TRIGGER erasures_no_update BEFORE UPDATE ON erasures BEGIN SELECT RAISE(ABORT, 'erasures is append-only'); END;
            DROP TRIGGER erasures_no_delete;
            DELETE FROM erasures WHERE seq = 2;
            CREATE TRIGGER erasures_no_delete BEFORE DELETE ON erasures BEGIN SELECT RAISE(ABORT, 'erasures is append-only'); END;
            """)
        let found = try problems(path)
        #expect(found.contains("erasures: row 2: is missing: the head records 2 rows, the table ends at 1 (truncated)"))
        #expect(found.contains("credit_scores: row 2: its inputs key is missing and no erasure records it (deleted outside credit store erase)"))
    }

    @Test("values of another type in the key and erasure tables are reported, never a crash")
    func typeChangesInKeyTables() throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        _ = try store.erase(request("usr-a"))
        try sqlite(path, """
            DROP TRIGGER subject_keys_no_update;
            UPDATE subject_keys SET user_id = X'00FF' WHERE user_id = 'usr-b';
            DROP TRIGGER erasures_no_update;
            UPDATE erasures SET key_ids = X'0102', decisions = 'three' WHERE seq = 1;
            """)
        let found = try problems(path)
        #expect(found.contains("erasures: row 1: column key_ids holds a blob, not text"), "\(found)")
        #expect(found.contains("erasures: row 1: column decisions does not hold an integer"), "\(found)")
        #expect(found.contains("credit_scores: row 2: its inputs key is recorded for another person (an erasure would miss it)"), "\(found)")
        // A's keys, whose erasure record is unreadable now, count as deleted without an erasure.
        #expect(found.contains("credit_scores: row 1: its inputs key is missing and no erasure records it (deleted outside credit store erase)"))
        #expect(try store.storedDecisions().count == 6)
    }

    @Test("an erasure request with an unsafe user id, requester or reason is refused before anything changes",
          arguments: [("usr\u{0}a", "dpo", "r"), ("usr-a", "dpo\u{202E}", "r"), ("usr-a", "dpo", ""), ("usr-a", "dpo", "a\u{7}b"),
                      ("usr-a", "dpo", String(repeating: "x", count: 501)), ("", "dpo", "r")])
    func unsafeRequests(user: String, requestedBy: String, reason: String) throws {
        let directory = try TemporaryDirectory()
        let (path, store) = try makeStore(directory)
        #expect(throws: StoreError.self) {
            try store.erase(ErasureRequest(id: "x", createdAt: "2026-12-03T11:00:00.000Z", userId: user, requestedBy: requestedBy, reason: reason))
        }
        #expect(try sqliteRows(path, "SELECT count(*) FROM subject_keys") == ["2"])
        #expect(try sqliteRows(path, "SELECT count(*) FROM erasures") == ["0"])
    }
}

extension Data {
    /// The bytes of an even-length hex string.
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex) ?? hexString.endIndex
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
