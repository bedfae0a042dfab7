import CreditTestSupport
import Foundation
import Testing

@Suite("HTTP score service: identifiers, timestamps and stored answers an auditor can trust", .timeLimit(.minutes(3)))
struct AuditTrailServerTests {
    @Test("NUL, control, bidi and other unsafe characters in an identifier are refused with 422 naming the field")
    func unsafeIdentifiers() async throws {
        try await InProcessServer.run { server async throws in
            for (field, value) in [
                ("event_id", "evt-1\u{0}evt-2"), ("user_id", "usr\u{202E}1"), ("loan_id", "loan 1"), ("loan_id", "loan-1\u{7}"),
                ("event_id", String(repeating: "e", count: 129)), ("user_id", "ｕｓｒ"), ("event_id", ""),
            ] {
                let reply = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-safe", changes: [field: value]))
                #expect(reply.status == 422, "\(field)")
                let errors = reply.json["errors"] as? [[String: Any]] ?? []
                #expect(errors.first?["field"] as? String == field)
                #expect(!reply.text.contains(value) || value.isEmpty)
            }
            let key = try await server.request(
                "POST", "/api/v1/scores", body: ServerProcess.application("evt-k"),
                headers: ["Content-Type": "application/json", "Idempotency-Key": "key\u{1}x"])
            #expect(key.status == 422 || key.status == 400, "\(key.text)")
        }
    }

    @Test("timestamps must be RFC 3339 date-times", arguments: ["2026-03-01Tnot-a-time-at-all", "2026-03-01T99:99:99+99:99", "2026-03-01 <script>x</script>"])
    func strictTimestamps(timestamp: String) async throws {
        try await InProcessServer.run { server async throws in
            let reply = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-t", changes: ["timestamp": timestamp]))
            #expect(reply.status == 422)
            #expect((reply.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "timestamp")
            #expect(!reply.text.contains(timestamp))
        }
    }

    @Test("a stored answer edited in the database is never served: GET and a retry answer 500, verify and replay fail")
    func forgedAnswer() async throws {
        let server = try ServerProcess()
        let created = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-f"))
        #expect(created.status == 201)
        let id = try #require(created.json["score_id"] as? String)
        let forged = created.text.replacingOccurrences(of: "12000000", with: "900000000")
        #expect(forged != created.text)
        #expect(server.stop() == 0)
        try sqlite(server.storePath, """
            DROP TRIGGER idempotency_keys_no_update;
            UPDATE idempotency_keys SET response = CAST('\(forged)' AS BLOB) WHERE score_id = '\(id)';
            CREATE TRIGGER idempotency_keys_no_update BEFORE UPDATE ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'idempotency_keys is append-only'); END;
            """)
        let restarted = try ServerProcess(directory: server.directory)
        let read = try await restarted.request("GET", "/api/v1/scores/\(id)", key: ServerProcess.readerKey)
        #expect(read.status == 500 && !read.text.contains("900000000"), "\(read.text)")
        let loan = try await restarted.request("GET", "/api/v1/loans/loan-1/scores", key: ServerProcess.readerKey)
        #expect(loan.status == 500 && !loan.text.contains("900000000"))
        let retry = try await restarted.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-f"))
        #expect(retry.status == 500 && !retry.text.contains("900000000"), "\(retry.text)")
        #expect(restarted.stop() == 0)
        #expect(restarted.log.contains("stored response refused"))

        let verify = try credit(["audit", "verify", "--store", server.storePath, "--key-file", server.keyPath])
        #expect(verify.status == 65)
        #expect(verify.stdout.contains("its stored response differs from the one the chain records (edited)"), "\(verify.stdout)")
        let replay = try server.replay()
        #expect(replay.status == 65, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("DIFFERS \(id)"))
    }

    @Test("credit store erase, run while the service runs, shreds one person's inputs: verify passes, replay reports them erased")
    func eraseWhileServing() async throws {
        let server = try ServerProcess()
        var ids: [String: [String]] = [:]
        for (index, user) in ["usr-1", "usr-2", "usr-1", "usr-2"].enumerated() {
            let created = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-e\(index)", changes: ["user_id": user]))
            #expect(created.status == 201)
            ids[user, default: []].append(try #require(created.json["score_id"] as? String))
        }
        let erase = try credit([
            "store", "erase", "--config", server.directory.path("server.json"), "--user-id", "usr-1", "--requested-by", "dpo:ticket-7",
            "--reason", "data subject request DSR-2026-0042",
        ])
        #expect(erase.status == 0, "\(erase.stdout)\(erase.stderr)")
        #expect(erase.stdout.contains("erasure 1 recorded: the inputs of 2 decisions can no longer be decrypted"), "\(erase.stdout)")
        #expect(!erase.stdout.contains("usr-1") && !erase.stderr.contains("usr-1"))
        // The service goes on: the erased person's answers are still served, and new decisions are stored.
        let read = try await server.request("GET", "/api/v1/scores/\(ids["usr-1"]![0])", key: ServerProcess.readerKey)
        #expect(read.status == 200)
        let again = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-e9", changes: ["user_id": "usr-1"]))
        #expect(again.status == 201)
        #expect(server.stop() == 0)

        let verify = try credit(["audit", "verify", "--store", server.storePath, "--key-file", server.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("erasures: 1 rows, chain intact"), "\(verify.stdout)\(verify.stderr)")
        let replay = try server.replay()
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("3 identical, 0 differing, 0 undecryptable, 2 erased, 0 made with other versions"), "\(replay.stdout)")
        for id in ids["usr-1"]! { #expect(replay.stdout.contains("ERASED \(id)")) }
        // A key deleted behind the store's back is tampering, not an erasure.
        try sqlite(server.storePath, "DELETE FROM subject_keys WHERE user_id = 'usr-2'")
        let tampered = try server.replay()
        #expect(tampered.status == 65 && tampered.stdout.contains("2 undecryptable, 2 erased"), "\(tampered.stdout)")
        let refused = try credit([
            "store", "erase", "--config", server.directory.path("server.json"), "--user-id", "usr\u{7}1", "--requested-by", "dpo", "--reason", "r",
        ])
        #expect(refused.status == 65 && refused.stderr.contains("the user id must be"), "\(refused.stderr)")
    }

    @Test("a loan's decisions come in pages with a cursor; path parameters are percent-decoded; bad queries are 400 problems")
    func loanPages() async throws {
        try await InProcessServer.run { server async throws in
            var ids: [String] = []
            for index in 0..<5 {
                let created = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-p\(index)", loanId: "loan-p"))
                ids.append(try #require(created.json["score_id"] as? String))
            }
            _ = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-other", loanId: "loan-q"))
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request("GET", "/api/v1/loans/loan%2Dp/scores?\(query)", key: ServerProcess.readerKey)
                #expect(page.status == 200, "\(page.text)")
                let scores = page.json["scores"] as? [[String: Any]] ?? []
                #expect(scores.count <= 2)
                seen += scores.compactMap { $0["score_id"] as? String }
                cursor = page.json["next_cursor"] as? String
                #expect(page.json.keys.contains("next_cursor"))
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == ids && pages == 3, "\(seen)")
            let whole = try await server.request("GET", "/api/v1/loans/loan-p/scores", key: ServerProcess.readerKey)
            #expect((whole.json["scores"] as? [Any])?.count == 5 && whole.json["next_cursor"] is NSNull)
            let byId = try await server.request("GET", "/api/v1/scores/\(ids[0].replacingOccurrences(of: "-", with: "%2D"))", key: ServerProcess.readerKey)
            #expect(byId.status == 200)
            for (query, field) in [("limit=0", "limit"), ("limit=501", "limit"), ("limit=two", "limit"), ("cursor=abc", "cursor"), ("cursor=-4", "cursor")] {
                let bad = try await server.request("GET", "/api/v1/loans/loan-p/scores?\(query)", key: ServerProcess.readerKey)
                #expect(bad.status == 400 && bad.headers["content-type"] == "application/problem+json", "\(query)")
                #expect((bad.json["errors"] as? [[String: Any]])?.first?["field"] as? String == field, "\(query)")
            }
            let malformed = try await server.request("GET", "/api/v1/loans/loan%zz/scores", key: ServerProcess.readerKey)
            #expect(malformed.status == 400, "\(malformed.text)")
        }
    }

    @Test("credit audit prove gives each decision an RFC 6962 inclusion proof that an independent Python check accepts; a tampered store gives none")
    func inclusionProofs() async throws {
        let server = try ServerProcess()
        var ids: [String] = []
        for index in 0..<7 {
            let created = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-m\(index)"))
            ids.append(try #require(created.json["score_id"] as? String))
        }
        #expect(server.stop() == 0)
        func prove(_ id: String, size: Int? = nil) throws -> Run {
            try credit(["audit", "prove", "--store", server.storePath, "--key-file", server.keyPath, "--score-id", id]
                + (size.map { ["--tree-size", String($0)] } ?? []))
        }
        func check(_ proof: String, root: String) throws -> String {
            let process = Process()
            let input = Pipe(), output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", RepositoryPaths.path("benchmarks/peers/verify_inclusion.py"), root]
            (process.standardInput, process.standardOutput) = (input, output)
            try process.run()
            input.fileHandleForWriting.write(Data(proof.utf8))
            try input.fileHandleForWriting.close()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let first = try prove(ids[0])
        #expect(first.status == 0, "\(first.stderr)")
        let root = try #require((try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])?["root"] as? String)
        for id in ids {
            let proof = try prove(id)
            #expect(try check(proof.stdout, root: root) == "ok", "\(id)")
        }
        // Against an older tree (the first 5 rows) the root differs, and the last rows are not in it.
        let older = try prove(ids[2], size: 5)
        #expect(try check(older.stdout, root: root) == "mismatch")
        #expect(try prove(ids[6], size: 5).status == 65)
        // A forged row hash does not lead to the pinned root.
        var forged = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let rowHash = try #require(forged["row_hash"] as? String)
        forged["row_hash"] = (rowHash.hasPrefix("0") ? "1" : "0") + rowHash.dropFirst()
        #expect(try check(String(decoding: try JSONSerialization.data(withJSONObject: forged), as: UTF8.self), root: root) == "mismatch")
        // A store that does not verify gives no proof.
        try sqlite(server.storePath, "DROP TRIGGER credit_scores_no_update; UPDATE credit_scores SET amount = 1 WHERE seq = 3;")
        let tampered = try prove(ids[0])
        #expect(tampered.status == 65 && tampered.stderr.contains("does not verify"), "\(tampered.stderr)")
    }

    @Test("serve refuses a store path that does not exist unless asked to create one")
    func serveRefusesMissingStore() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ServerProcess.ServerStartFailure.self) { try ServerProcess(directory: directory, overrides: ["createStore": NSNull()]) }
        let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("no store at"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("store.sqlite")))
    }

    @Test("replay and verify refuse a store path that does not exist and create nothing")
    func missingStore() throws {
        let directory = try TemporaryDirectory()
        let key = try directory.write("k", Data(repeating: 1, count: 32).base64EncodedString())
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let path = directory.path("nope.sqlite")
        let replay = try credit([
            "replay", "--store", path, "--key-file", key,
            "--model", RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json"),
            "--policy", RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json"),
        ])
        #expect(replay.status != 0 && replay.stderr.contains("no store at"), "\(replay.stderr)")
        let verify = try credit(["audit", "verify", "--store", path, "--key-file", key])
        #expect(verify.status != 0 && verify.stderr.contains("no store at"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

@Suite("credit audit keygen")
struct KeygenCLITests {
    @Test("keygen writes the private key with mode 0600, prints the public key, and never overwrites a key")
    func keygen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("checkpoint.key")
        let run = try credit(["audit", "keygen", "--out", path])
        #expect(run.status == 0, "\(run.stderr)")
        let publicKey = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: publicKey)?.count == 32)
        let privateKey = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: privateKey)?.count == 32 && privateKey != publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try credit(["audit", "keygen", "--out", path])
        #expect(again.status == 64 && again.stderr.contains("keys are never overwritten"))
        #expect(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == privateKey)
    }
}
