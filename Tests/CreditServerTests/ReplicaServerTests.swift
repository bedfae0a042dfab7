import CreditTestSupport
import Foundation
import Glibc
import Testing

/// `credit serve` replicas sharing one PostgreSQL store, the way the platform deploys them.
@Suite("Replicas on PostgreSQL: duplicates across replicas run once, kill -9 loses nothing answered, the chain verifies", .serialized)
struct ReplicaServerTests {
    /// A migrated cluster (the owner migrates, granting the service role) and `count` replicas on it.
    private func replicas(_ count: Int) throws -> (ThrowawayPostgres, [ServerProcess]) {
        let postgres = try ThrowawayPostgres()
        let migrated = try credit(["store", "migrate", "--store", postgres.url(owner: true), "--service-role", "credit_service"])
        try #require(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("schema migrated from version 0 to 1"))
        let servers = try (0..<count).map { _ in
            try ServerProcess(overrides: ["store": postgres.url(), "createStore": NSNull(), "postgres": ["poolSize": 4]])
        }
        return (postgres, servers)
    }

    private func verify(_ postgres: ThrowawayPostgres, key: String) throws -> Run {
        try credit(["audit", "verify", "--store", postgres.url(), "--key-file", key])
    }

    @Test("three replicas: each event sent to all three at once is decided once, and every replica answers it byte for byte")
    func duplicatesAcrossReplicas() async throws {
        let (postgres, servers) = try replicas(3)
        let events = 30
        let answers = try await withThrowingTaskGroup(of: (Int, Int, Data).self) { group in
            for event in 0..<events {
                for server in servers {
                    group.addTask {
                        let reply = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-dup-\(event)"))
                        return (event, reply.status, reply.body)
                    }
                }
            }
            var answers: [Int: [(Int, Data)]] = [:]
            for try await (event, status, body) in group { answers[event, default: []].append((status, body)) }
            return answers
        }
        #expect(answers.count == events)
        for (event, replies) in answers {
            #expect(replies.allSatisfy { $0.0 == 201 }, "event \(event): \(replies.map(\.0))")
            #expect(Set(replies.map(\.1)).count == 1, "event \(event): the replicas gave different bytes")
        }
        #expect(try postgres.psql("SELECT count(*), count(DISTINCT event_id) FROM credit_scores", user: "credit_service") == "\(events)|\(events)\n")
        let verified = try verify(postgres, key: servers[0].keyPath)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("credit_scores: \(events) rows, chain intact"))
        // Replay on PostgreSQL: every decision rebuilt byte for byte.
        let replay = try credit([
            "replay", "--store", postgres.url(), "--key-file", servers[0].keyPath,
            "--model", RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json"),
            "--policy", RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json"),
        ])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("\(events) identical, 0 differing"))
        for server in servers { #expect(server.stop() == 0) }
    }

    @Test("kill -9 of one replica under load: every answered request is stored exactly once, the chain verifies, rows cannot be edited")
    func killOneReplica() async throws {
        let (postgres, servers) = try replicas(2)
        let total = 120
        // Each request goes to replica (event % 2); replica 0 is killed a moment into the load.
        let answered = try await withThrowingTaskGroup(of: (String, String?).self) { group in
            group.addTask {
                try await Task.sleep(for: .milliseconds(150))
                kill(servers[0].process.processIdentifier, SIGKILL)
                return ("", nil)
            }
            for event in 0..<total {
                group.addTask {
                    let eventId = "evt-load-\(event)"
                    guard let reply = try? await servers[event % 2].request("POST", "/api/v1/scores", body: ServerProcess.application(eventId)),
                        reply.status == 201
                    else { return (eventId, nil) }
                    return (eventId, reply.json["score_id"] as? String)
                }
            }
            var answered: [String: String] = [:]
            for try await (eventId, scoreId) in group { if let scoreId { answered[eventId] = scoreId } }
            return answered
        }
        #expect(answered.count >= total / 2, "replica 1 answered all of its share")
        let stored = try postgres.psql("SELECT event_id || ' ' || id FROM credit_scores", user: "credit_service")
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let storedByEvent = Dictionary(grouping: stored, by: { $0[0] })
        #expect(storedByEvent.values.allSatisfy { $0.count == 1 }, "one decision per event")
        for (eventId, scoreId) in answered { #expect(storedByEvent[eventId]?.first?[1] == scoreId, "\(eventId) answered but not stored as answered") }
        // Retrying every request on the survivor: the answered ones get their stored answer, the rest are decided now.
        for event in 0..<total {
            let eventId = "evt-load-\(event)"
            let reply = try await servers[1].request("POST", "/api/v1/scores", body: ServerProcess.application(eventId))
            #expect(reply.status == 201)
            if let scoreId = answered[eventId] { #expect(reply.json["score_id"] as? String == scoreId) }
        }
        #expect(try postgres.psql("SELECT count(*), count(DISTINCT event_id) FROM credit_scores", user: "credit_service") == "\(total)|\(total)\n")
        let verified = try verify(postgres, key: servers[1].keyPath)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(throws: ThrowawayPostgres.Failure.self) { try postgres.psql("UPDATE credit_scores SET amount = 1", user: "credit_service") }
        #expect(throws: ThrowawayPostgres.Failure.self) { try postgres.psql("DELETE FROM idempotency_keys", user: "credit_service") }
        #expect(servers[1].stop() == 0)
    }

    @Test("PostgreSQL restarted under a replica: 503 and not ready while it is down, then served again without a restart of the replica")
    func databaseRestart() async throws {
        let (postgres, servers) = try replicas(1)
        let server = servers[0]
        #expect(try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-r-1")).status == 201)
        postgres.stop(immediately: true)
        let down = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-r-2"))
        #expect(down.status == 503)
        #expect(!down.text.contains("credit_service"), "no connection details in the answer")
        #expect(try await server.request("GET", "/health/ready", key: nil).status == 503)
        try postgres.start()
        var status = 0
        for _ in 0..<120 where status != 201 {
            status = (try? await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-r-2")).status) ?? 0
            if status != 201 { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(status == 201)
        #expect(try await server.request("GET", "/health/ready", key: nil).status == 200)
        #expect(server.process.isRunning)
        #expect(try verify(postgres, key: server.keyPath).status == 0)
        #expect(server.stop() == 0)
    }
}
