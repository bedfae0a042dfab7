import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

private let secret = try! StoreSecret(base64: Data(repeating: 9, count: 32).base64EncodedString())

/// A migrated cluster with `count` decisions stored by the service's role.
private func populated(_ count: Int = 4) async throws -> (ThrowawayPostgres, PostgresDecisionStore, [NewDecision]) {
    let fixture = try await StoreFixture(.postgres)
    let postgres = try #require(fixture.postgres)
    let store = try await PostgresDecisionStore.open(try PostgresStoreConfiguration(url: postgres.url()), secret: secret)
    let decisions = (1...count).map { contractDecision($0) }
    _ = try await store.commit(decisions, sealed: [])
    return (postgres, store, decisions)
}

private func problems(_ store: PostgresDecisionStore) async throws -> [String] {
    try await store.verify().flatMap { report in report.problems.map { "\(report.table): \($0)" } }
}

@Suite("PostgreSQL store: append-only twice, tamper caught, schema checked, connection loss survived")
struct PostgresStoreTests {
    @Test("the service's role cannot update, delete or truncate a decision; the owner is stopped by the triggers")
    func appendOnlyTwice() async throws {
        let (postgres, _, _) = try await populated()
        for statement in [
            "UPDATE credit_scores SET amount = 1", "DELETE FROM risk_evaluations", "TRUNCATE idempotency_keys",
            "UPDATE idempotency_keys SET response = 'x'", "DELETE FROM subject_keys", "CREATE TABLE x (a int)",
        ] {
            #expect(throws: ThrowawayPostgres.Failure.self, "\(statement) as the service") { try postgres.psql(statement, user: "credit_service") }
        }
        for statement in ["UPDATE credit_scores SET amount = 1", "DELETE FROM risk_evaluations", "TRUNCATE credit_scores CASCADE",
                          "UPDATE subject_keys SET user_id = 'x'"] {
            let error = try #require(throws: ThrowawayPostgres.Failure.self) { try postgres.psql(statement) }
            #expect(error.description.contains("append-only"), "\(statement) as the owner: \(error)")
        }
        #expect(try postgres.psql("SELECT count(*) FROM credit_scores", user: "credit_service") == "4\n")
    }

    @Test("verify on PostgreSQL reports an edited row, a forged response, a deleted row and a disabled trigger")
    func tamperCaught() async throws {
        let (postgres, store, decisions) = try await populated(5)
        #expect(try await problems(store).isEmpty)
        try postgres.psql("""
            ALTER TABLE credit_scores DISABLE TRIGGER credit_scores_append_only;
            ALTER TABLE idempotency_keys DISABLE TRIGGER idempotency_keys_append_only;
            UPDATE credit_scores SET amount = 900000000 WHERE seq = 2;
            UPDATE idempotency_keys SET response = convert_to('{"decision":"approve","max_amount":900000000}', 'UTF8') WHERE score_id = '\(decisions[3].scoreId)';
            """)
        let found = try await problems(store)
        #expect(found.contains("credit_scores: the append-only trigger credit_scores_append_only is disabled"))
        #expect(found.contains("credit_scores: row 2: its content does not match its hash (edited)"))
        #expect(found.contains("risk_evaluations: row 4: its stored response differs from the one the chain records (edited)"))
        await #expect(throws: StoreError.integrity(scoreId: decisions[3].scoreId)) { try await store.response(forScore: decisions[3].scoreId) }
        // A retry of that request is refused too, never answered with the forged bytes; its batch's other decision is stored.
        let retry = try await store.commit([decisions[3], contractDecision(30)], sealed: [])
        #expect(throws: StoreError.integrity(scoreId: decisions[3].scoreId)) { try retry[0].get() }
        #expect((try? retry[1].get()) != nil)
        try postgres.psql("DELETE FROM idempotency_keys WHERE score_id = '\(decisions[4].scoreId)'; SET session_replication_role = replica; DELETE FROM credit_scores WHERE seq = 5")
        let after = try await problems(store)
        #expect(after.contains("credit_scores: row 5: is missing (deleted); the next row is 6"), "\(after)")
        // A service opened on the tampered schema refuses to start.
        await #expect(throws: StoreError.schema("the append-only trigger credit_scores_append_only is disabled")) {
            _ = try await PostgresDecisionStore.open(try PostgresStoreConfiguration(url: postgres.url()), secret: secret)
        }
    }

    @Test("a database without the schema, or with a dropped trigger, is refused at open; migrate is idempotent")
    func schemaChecked() async throws {
        let postgres = try ThrowawayPostgres()
        let owner = try PostgresStoreConfiguration(url: postgres.url(owner: true))
        await #expect(throws: StoreError.self) { _ = try await PostgresDecisionStore.open(owner, secret: secret) }
        let store = try await PostgresDecisionStore.open(owner, secret: secret, migrate: true)
        #expect(try await store.migrate() == (from: 1, to: 1))
        #expect(try postgres.psql("SELECT version, name FROM schema_migrations").hasPrefix("1|"))
        try postgres.psql("DROP TRIGGER risk_evaluations_no_truncate ON risk_evaluations")
        await #expect(throws: StoreError.schema("the append-only trigger risk_evaluations_no_truncate is missing")) {
            _ = try await PostgresDecisionStore.open(owner, secret: secret)
        }
        try postgres.psql("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")
        await #expect(throws: StoreError.schemaVersion("the database is at version 99, newer than this build (1)")) {
            try await store.migrate()
        }
    }

    @Test("PostgreSQL stopped: not reachable and commits fail as database errors; restarted: the pool reconnects and the chain goes on")
    func connectionLoss() async throws {
        let (postgres, store, _) = try await populated(2)
        #expect(await store.isReachable())
        postgres.stop(immediately: true)
        #expect(await !store.isReachable())
        await #expect(throws: StoreError.self) { _ = try await store.commit([contractDecision(3)], sealed: []) }
        try postgres.start()
        var stored: StoredResponse?
        // The pool retries with a backoff of 100 ms growing by a quarter per failed attempt.
        for _ in 0..<120 where stored == nil {
            stored = try? await store.commit([contractDecision(3)], sealed: []).first?.get()
            if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(stored != nil)
        #expect(await store.isReachable())
        #expect(try await problems(store).isEmpty)
        #expect(try postgres.psql("SELECT count(*) FROM credit_scores") == "3\n")
    }

    @Test("a statement failing mid-batch fails the whole batch: no decision is reported stored that the rollback undid")
    func failedStatementFailsTheBatch() async throws {
        let (postgres, store, _) = try await populated(1)
        var refusedByPostgres = contractDecision(21)
        refusedByPostgres.loanId = "loan\u{0}21"   // PostgreSQL text holds no NUL: the INSERT fails
        let error = await #expect(throws: StoreError.self) {
            _ = try await store.commit([contractDecision(20), refusedByPostgres, contractDecision(22)], sealed: [])
        }
        // The cause is named (22021, invalid byte sequence), not a later statement's "transaction is aborted" (25P02).
        #expect(error?.description.contains("22021") == true, "\(String(describing: error))")
        #expect(try postgres.psql("SELECT count(*) FROM credit_scores") == "1\n")
        let retried = try await store.commit([contractDecision(20), contractDecision(22)], sealed: [])
        #expect(retried.allSatisfy { (try? $0.get()) != nil })
        #expect(try await problems(store).isEmpty)
    }

    @Test("a batch kept waiting on the chain lock past the statement timeout fails with that cause; its connection goes back to the pool clean")
    func lockWaitTimesOut() async throws {
        let (postgres, _, _) = try await populated(1)
        var configuration = try PostgresStoreConfiguration(url: postgres.url())
        (configuration.statementTimeoutMilliseconds, configuration.poolSize) = (300, 1)
        let store = try await PostgresDecisionStore.open(configuration, secret: secret)
        defer { store.close() }
        // Another session holds the chain lock until it is ended below (a minute at most).
        let holder = try postgres.psqlInBackground("SELECT pg_advisory_lock(\(PostgresDecisionStore.chainLock)), pg_sleep(60)")
        let waitingSince = ContinuousClock.now
        while try postgres.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") == "0\n" {
            try #require(ContinuousClock.now - waitingSince < .seconds(10), "the other session never held the lock")
            try await Task.sleep(for: .milliseconds(20))
        }
        let error = await #expect(throws: StoreError.self) { _ = try await store.commit([contractDecision(40)], sealed: []) }
        // The lock statement's own cause (57014, statement timeout), not the next statement's 25P02.
        #expect(error?.description.contains("57014") == true, "\(String(describing: error))")
        try postgres.psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        _ = postgres.waitForBackground(holder)
        // The one connection of the pool is reused: it was left outside any transaction.
        let retried = try await store.commit([contractDecision(40)], sealed: [])
        #expect((try? retried[0].get()) != nil)
        #expect(try postgres.psql("SELECT count(*) FROM credit_scores") == "2\n")
        #expect(try await problems(store).isEmpty)
    }

    @Test("store URLs: parts percent-decoded, the password kept out of descriptions, unknown parameters and modes refused")
    func urls() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgresql://credit%40svc:p%40ss%2Fw@db.internal:6543/credit?sslmode=verify-full&connect_timeout=3")
        #expect(configuration.user == "credit@svc")
        #expect(configuration.password == "p@ss/w")
        #expect(configuration.port == 6543)
        #expect(configuration.sslMode == .verifyFull)
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(!configuration.description.contains("p@ss"))
        #expect(try PostgresStoreConfiguration(url: "postgres://u@h/d", password: "from-file").password == "from-file")
        #expect(try PostgresStoreConfiguration(url: "postgres://u@h/d").sslMode == .prefer)
        for bad in ["postgresql://h/d", "postgresql://u@/d", "postgresql://u@h", "postgresql://u@h/d?sslmode=on", "postgresql://u@h/d?ssl=true",
                    "postgresql://u@h:0/d", "postgresql://u@h/d?connect_timeout=0"] {
            #expect(throws: StoreError.self, "\(bad)") { _ = try PostgresStoreConfiguration(url: bad) }
        }
        #expect(StoreLocation.isPostgresURL("POSTGRESQL://u@h/d"))
        #expect(try StoreLocation.parse("data/store.sqlite") == .sqlite(path: "data/store.sqlite"))
    }

    @Test("ids and times the schema's types would not give back as the same text are refused, one decision at a time")
    func shapes() async throws {
        let (postgres, store, _) = try await populated(1)
        var badId = contractDecision(10)
        badId.scoreId = "SCORE-1"
        var badTime = contractDecision(11)
        badTime.createdAt = "2026-12-03T10:00:00Z"
        var badDate = contractDecision(12)
        badDate.applicationDate = "2026-02-30"
        let results = try await store.commit([badId, badTime, contractDecision(13), badDate], sealed: [])
        #expect(results.map { (try? $0.get()) != nil } == [false, false, true, false])
        #expect(try await problems(store).isEmpty)
        #expect(try postgres.psql("SELECT count(*) FROM credit_scores") == "2\n")
    }
}
