import CreditTestSupport
import Crypto
import Foundation
import GRDB
import Testing

/// Live-server tests: each starts `credit serve` on 127.0.0.1 (ephemeral port) and talks HTTP.
@Suite("HTTP score service", .timeLimit(.minutes(3)))
struct ServerTests {
    @Test("a valid application is decided, stored, and readable by id and by loan, byte for byte")
    func scoreAndRead() async throws {
        try await InProcessServer.run { server async throws in
            let created = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-1"))
            #expect(created.status == 201, "\(created.text)")
            let body = created.json
            #expect(body["decision"] as? String == "approve" && body["grade"] as? String == "A")
            #expect((body["model"] as? [String: Any])?["id"] as? String == "pd-german-credit-scorecard")
            #expect((body["policy"] as? [String: Any])?["version"] as? String == "1.0.0")
            #expect(body["max_amount"] as? Double == 12_000_000)
            let id = try #require(body["score_id"] as? String)
            let read = try await server.request("GET", "/api/v1/scores/\(id)", key: ServerProcess.readerKey)
            #expect(read.status == 200 && read.body == created.body)
            let loan = try await server.request("GET", "/api/v1/loans/loan-1/scores", key: ServerProcess.readerKey)
            #expect(loan.status == 200 && ((loan.json["scores"] as? [Any])?.count ?? 0) == 1)
            let models = try await server.request("GET", "/api/v1/models", key: ServerProcess.readerKey)
            #expect(models.text.contains("policy-id-online-lending"))
            let missing = try await server.request("GET", "/api/v1/scores/00000000-0000-0000-0000-000000000000", key: ServerProcess.readerKey)
            #expect(missing.status == 404 && missing.headers["content-type"] == "application/problem+json")
        }
    }

    @Test("keys are required, roles are enforced, a key's rate is limited with Retry-After")
    func access() async throws {
        try await InProcessServer.run { server async throws in
            let anonymous = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-a"), key: nil)
            #expect(anonymous.status == 401 && anonymous.json["type"] as? String == "urn:creditengine:problem:unauthorized")
            #expect(anonymous.json["request_id"] as? String == anonymous.headers["x-request-id"])
            let wrong = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-a"), key: "scorer-key-0123456789abcdeX")
            #expect(wrong.status == 401)
            let bearer = try await server.request(
                "GET", "/api/v1/models", key: nil, headers: ["Authorization": "Bearer \(ServerProcess.readerKey)"])
            #expect(bearer.status == 200)
            let reader = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-a"), key: ServerProcess.readerKey)
            #expect(reader.status == 403)
            var statuses: [Int] = []
            var retryAfter: String?
            for index in 0..<4 {
                let reply = try await server.request("GET", "/api/v1/scores/x\(index)", key: ServerProcess.limitedKey)
                statuses.append(reply.status)
                if reply.status == 429 { retryAfter = reply.headers["retry-after"] }
            }
            #expect(statuses.prefix(2).allSatisfy { $0 == 404 } && statuses.last == 429, "\(statuses)")
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            let live = try await server.request("GET", "/health/live", key: nil)
            let ready = try await server.request("GET", "/health/ready", key: nil)
            #expect(live.status == 200 && ready.status == 200)
        }
    }

    /// A compact HS256 token with `claims`.
    static func token(
        _ claims: [String: Any], secret: Data = ServerProcess.jwtSecret, algorithm: String = "HS256", header extra: [String: Any] = [:]
    ) throws -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = encode(try JSONSerialization.data(withJSONObject: ["alg": algorithm, "typ": "JWT"].merging(extra) { $1 }))
        let payload = encode(try JSONSerialization.data(withJSONObject: claims))
        let signature = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: secret))
        return "\(header).\(payload).\(encode(Data(signature)))"
    }

    @Test("gateway tokens: a valid HS256 token is accepted with its role; expired, forged, mis-addressed or alg-swapped ones are not")
    func gatewayTokens() async throws {
        try await InProcessServer.run { server async throws in
            let now = Date().timeIntervalSince1970
            let valid: [String: Any] = ["iss": "gateway", "aud": "credit-engine", "sub": "loan-service", "exp": now + 300]
            func post(_ token: String, _ event: String) async throws -> ServerProcess.Reply {
                try await server.request("POST", "/api/v1/scores", body: ServerProcess.application(event), key: nil,
                                         headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"])
            }
            #expect(try await post(try ServerTests.token(valid), "evt-j1").status == 201)
            var expired = valid
            expired["exp"] = now - 120
            #expect(try await post(try ServerTests.token(expired), "evt-j2").status == 401)
            #expect(try await post(try ServerTests.token(valid, secret: Data(repeating: 1, count: 32)), "evt-j3").status == 401)
            var elsewhere = valid
            elsewhere["aud"] = "another-service"
            #expect(try await post(try ServerTests.token(elsewhere), "evt-j4").status == 401)
            #expect(try await post(try ServerTests.token(valid, algorithm: "none"), "evt-j5").status == 401)
            var reader = valid
            reader["role"] = "reader"
            #expect(try await post(try ServerTests.token(reader), "evt-j6").status == 403)
            #expect(try await post("not.a.token", "evt-j7").status == 401)
        }
    }

    @Test("malformed, unknown, mistyped and oversized bodies are refused with a problem naming the field")
    func badRequests() async throws {
        try await InProcessServer.run { server async throws in
            func post(_ body: Data, headers: [String: String] = ["Content-Type": "application/json"]) async throws -> ServerProcess.Reply {
                try await server.request("POST", "/api/v1/scores", body: body, headers: headers)
            }
            let notJSON = try await post(Data("{\"event_id\": ".utf8))
            #expect(notJSON.status == 422
                && notJSON.json["detail"] as? String == "the body is not valid JSON (byte 13: expected a value, found the end of the body)")
            let twice = try await post(Data("{\"event_id\":\"a\",\"event_id\":\"b\"}".utf8))
            #expect(twice.status == 422
                && twice.json["detail"] as? String == "the body is not valid JSON (byte 16: the same key appears twice in one object)")
            let unknown = try await post(ServerProcess.application("evt-u", changes: ["salary": 5]))
            #expect(unknown.status == 422 && (unknown.json["errors"] as? [[String: String]])?.first?["field"] == "salary")
            let mistyped = try await post(ServerProcess.application("evt-t", changes: ["amount": "lots"]))
            #expect(mistyped.status == 422 && mistyped.json["detail"] as? String == "amount must be a number, not a string")
            let unknownFeature = try await post(ServerProcess.application("evt-f", features: ["favourite_colour": "red"]))
            #expect(unknownFeature.status == 422 && unknownFeature.text.contains("features.favourite_colour"))
            let badBureau = try await post(ServerProcess.application("evt-b", changes: ["bureau": ["pefindo_score": 950]]))
            #expect(badBureau.status == 422 && badBureau.text.contains("bureau.pefindo_score"))
            let badValue = try await post(ServerProcess.application("evt-v", features: ["employment_type": "astronaut"]))
            #expect(badValue.status == 422 && badValue.text.contains("features.employment_type"))
            let missingField = try await post(Data("{\"event_id\":\"e\"}".utf8))
            #expect(missingField.status == 422 && ((missingField.json["errors"] as? [Any])?.count ?? 0) >= 4)
            let array = try await post(Data("[1,2]".utf8))
            #expect(array.status == 422)
            let huge = try await post(Data(("{\"event_id\":\"" + String(repeating: "x", count: 40_000) + "\"}").utf8))
            #expect(huge.status == 413)
            let text = try await post(ServerProcess.application("evt-c"), headers: ["Content-Type": "text/plain"])
            #expect(text.status == 415)
            let method = try await server.request("DELETE", "/api/v1/models", key: ServerProcess.readerKey)
            #expect(method.status == 405 && method.headers["allow"] == "GET")
            let route = try await server.request("GET", "/api/v2/nothing")
            #expect(route.status == 404 && route.headers["content-type"] == "application/problem+json")
            for reply in [notJSON, unknown, mistyped, huge, text] {
                #expect(reply.headers["content-type"] == "application/problem+json")
                #expect(!reply.text.contains("Error") || reply.text.contains("urn:creditengine"), "no stack traces or type names")
            }
            // The service still works after all of that.
            #expect(try await post(ServerProcess.application("evt-ok")).status == 201)
        }
    }

    @Test("idempotency: same key and body replays the stored bytes; another body is refused; event_id is the default key")
    func idempotency() async throws {
        let server = try ServerProcess()
        let body = ServerProcess.application("evt-i")
        let first = try await server.request("POST", "/api/v1/scores", body: body, headers: ["Content-Type": "application/json", "Idempotency-Key": "k-1"])
        let again = try await server.request("POST", "/api/v1/scores", body: body, headers: ["Content-Type": "application/json", "Idempotency-Key": "k-1"])
        #expect(first.status == 201 && again.status == 201 && again.body == first.body)
        let other = try await server.request(
            "POST", "/api/v1/scores", body: ServerProcess.application("evt-i", changes: ["amount": 1_000_000]),
            headers: ["Content-Type": "application/json", "Idempotency-Key": "k-1"])
        #expect(other.status == 422 && other.json["type"] as? String == "urn:creditengine:problem:idempotency-conflict")
        // Without the header, the event id is the key.
        let byEvent = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-e"))
        let byEventAgain = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-e"))
        #expect(byEvent.body == byEventAgain.body)
        // A restart keeps the keys.
        server.stop()
        let restarted = try ServerProcess(directory: server.directory)
        let afterRestart = try await restarted.request(
            "POST", "/api/v1/scores", body: body, headers: ["Content-Type": "application/json", "Idempotency-Key": "k-1"])
        #expect(afterRestart.status == 201 && afterRestart.body == first.body)
        restarted.stop()
    }

    @Test("concurrent duplicates execute once")
    func concurrentDuplicates() async throws {
        try await InProcessServer.run { server async throws in
            let body = ServerProcess.application("evt-dup", loanId: "loan-dup")
            let replies = try await withThrowingTaskGroup(of: ServerProcess.Reply.self) { group in
                for _ in 0..<24 { group.addTask { try await server.request("POST", "/api/v1/scores", body: body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 201 && $0.body == replies[0].body })
            let loan = try await server.request("GET", "/api/v1/loans/loan-dup/scores", key: ServerProcess.readerKey)
            #expect((loan.json["scores"] as? [Any])?.count == 1)
        }
    }

    @Test("personal data is encrypted at rest and never logged; metrics count decisions")
    func privacy() async throws {
        let server = try ServerProcess()
        let sentinel = "SENTINEL-Budi-Santoso-3174"
        let body = ServerProcess.application("evt-p", changes: ["applicant": ["name": sentinel, "nik": "3174\(sentinel)"]])
        let reply = try await server.request("POST", "/api/v1/scores", body: body)
        #expect(reply.status == 201 && !reply.text.contains(sentinel))
        let metrics = try await server.request("GET", "/metrics", key: nil)
        #expect(metrics.text.contains("credit_decisions_total{outcome=\"approve\"} 1"))
        server.stop()
        for file in ["store.sqlite", "store.sqlite-wal", "server.log"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: server.directory.path(file)))) ?? Data()
            #expect(bytes.range(of: Data(sentinel.utf8)) == nil, "\(file) holds the sentinel in plaintext")
        }
        #expect(server.log.contains("\"request_id\""), "logs are JSON lines with the request id")
    }

    @Test("the audit trail verifies, and edits, deletions, swaps and truncation are caught at the first bad row")
    func auditTrail() async throws {
        let server = try ServerProcess()
        for index in 1...5 {
            #expect(try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-\(index)")).status == 201)
        }
        server.stop()
        func verify() throws -> Run { try credit(["audit", "verify", "--store", server.storePath, "--key-file", server.keyPath]) }
        let clean = try verify()
        #expect(clean.status == 0 && clean.stdout.contains("credit_scores: 5 rows, chain intact"), "\(clean.stdout)\(clean.stderr)")
        let replay = try server.replay()
        #expect(replay.status == 0 && replay.stdout.contains("5 identical, 0 differing, 0 undecryptable, 0 erased, 0 made with other versions"), "\(replay.stdout)\(replay.stderr)")
        let otherModel = try server.replay(model: "models/pd-german-credit/1.0.0/model.json")
        #expect(otherModel.stdout.contains("0 identical, 0 differing, 0 undecryptable, 0 erased, 5 made with other versions"))

        let queue = try DatabaseQueue(path: server.storePath)
        #expect(throws: (any Error).self) { try queue.write { try $0.execute(sql: "UPDATE credit_scores SET score = 999 WHERE seq = 2") } }
        let copy = server.directory.path("copy.sqlite")
        func tampered(_ sql: String) throws -> String {
            try? FileManager.default.removeItem(atPath: copy)
            try queue.backup(to: DatabaseQueue(path: copy))
            try DatabaseQueue(path: copy).write { db in
                for table in ["credit_scores", "risk_evaluations"] {
                    try db.execute(sql: "DROP TRIGGER \(table)_no_update; DROP TRIGGER \(table)_no_delete")
                }
                try db.execute(sql: sql)
            }
            let run = try credit(["audit", "verify", "--store", copy, "--key-file", server.keyPath])
            #expect(run.status == 65)
            return run.stdout
        }
        #expect(try tampered("UPDATE credit_scores SET score = 999 WHERE seq = 3").contains("credit_scores: row 3: its content does not match its hash (edited)"))
        #expect(try tampered("DELETE FROM risk_evaluations WHERE seq = 2").contains("risk_evaluations: row 2: is missing (deleted)"))
        #expect(try tampered("""
            UPDATE credit_scores SET seq = -1 WHERE seq = 2; UPDATE credit_scores SET seq = 2 WHERE seq = 4; UPDATE credit_scores SET seq = 4 WHERE seq = -1
            """).contains("credit_scores: row 2: does not link to the row before it"))
        #expect(try tampered("DELETE FROM risk_evaluations WHERE seq >= 4; DELETE FROM credit_scores WHERE seq >= 4").contains("credit_scores: row 4: is missing: the head records 5 rows"))
    }

    @Test("SIGTERM under load: accepted requests finish and are stored; the process exits cleanly")
    func gracefulShutdown() async throws {
        let server = try ServerProcess()
        let replies = await withTaskGroup(of: ServerProcess.Reply?.self) { group in
            for index in 0..<60 {
                group.addTask { try? await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-g\(index)", loanId: "loan-g")) }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(150))
                server.process.terminate()
                return nil
            }
            return await group.reduce(into: [ServerProcess.Reply]()) { if let reply = $1 { $0.append(reply) } }
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(replies.allSatisfy { $0.status == 201 }, "\(replies.map(\.status))")
        let restarted = try ServerProcess(directory: server.directory)
        let loan = try await restarted.request("GET", "/api/v1/loans/loan-g/scores", key: ServerProcess.readerKey)
        #expect((loan.json["scores"] as? [Any])?.count == replies.count, "every answered request is stored, and nothing else")
        restarted.stop()
    }
}
