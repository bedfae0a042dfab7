import CreditCore
public import Foundation
public import Logging
import PostgresNIO
import Synchronization

/// The decision store on PostgreSQL, shared by every replica of the service.
///
/// The same tables, hash chains, HMACs and per-person keys as the SQLite store
/// (``DecisionStore``), so `credit audit verify` and `credit replay` check the same properties.
/// What makes it safe with many writers:
/// - **One chain, no forks, no gaps.** Every batch runs in one transaction that first takes a
///   transaction-scoped advisory lock, then reads each chain's last row and appends after it:
///   sequence numbers and links are assigned exactly once, whichever replica writes. A replica
///   sends its pending decisions as one batch (``GroupCommitter``), so the lock is taken once
///   per batch, not per request.
/// - **Idempotency across replicas** (Stripe's design): the key is claimed with
///   `INSERT … ON CONFLICT DO NOTHING RETURNING` in the decision's transaction; a duplicate on
///   another replica waits on the lock for the first to commit, then finds the key and gets the
///   stored response byte for byte; another body under the key is a conflict. `event_id` is
///   unique: one decision per event, whatever the replica.
/// - **Append-only twice**: triggers refuse UPDATE, DELETE and TRUNCATE of every chained table,
///   and the service's role has INSERT and SELECT only (``PostgresSchema/grants(to:)``).
/// - **Failures**: a lost connection fails the batch as ``StoreError/database(_:)`` (503, and
///   readiness false), never a crash; the pool reconnects. A batch whose commit outcome is unknown
///   is reported failed; its retry finds the key if it did commit.
public final class PostgresDecisionStore: Sendable {
    let client: PostgresClient
    let secret: StoreSecret
    public let configuration: PostgresStoreConfiguration
    private let checkpoints: CheckpointLog?
    private let keyCache = DataKeyCache()
    let logger: Logger
    private let runner: Task<Void, Never>

    /// The advisory lock every write of a chain holds (`CRDTCHN1`).
    static let chainLock: Int64 = 0x4352_4454_4348_4E31
    /// The advisory lock migrations hold (`CRDTMIGR`).
    static let migrationLock: Int64 = 0x4352_4454_4D49_4752

    private init(
        configuration: PostgresStoreConfiguration, client clientConfiguration: PostgresClient.Configuration, secret: StoreSecret,
        checkpoints: CheckpointLog?, logger: Logger, started: @escaping @Sendable () -> Void
    ) {
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        (self.client, self.configuration, self.secret, self.checkpoints, self.logger) = (client, configuration, secret, checkpoints, logger)
        runner = Task {
            started()
            await client.run()
        }
    }

    deinit { runner.cancel() }

    /// A store on `configuration`'s database, not yet checked: for `credit store migrate` and
    /// `credit audit verify`, which report a schema's problems rather than refuse it.
    public static func connect(
        _ configuration: PostgresStoreConfiguration, secret: StoreSecret, checkpoints: CheckpointLog? = nil,
        logger: Logger = Logger(label: "creditengine.store")
    ) async throws(StoreError) -> PostgresDecisionStore {
        let clientConfiguration = try configuration.clientConfiguration()
        // Returns once the pool's task runs, so no query is leased before it.
        let (started, signal) = AsyncStream<Void>.makeStream()
        let store = PostgresDecisionStore(
            configuration: configuration, client: clientConfiguration, secret: secret, checkpoints: checkpoints, logger: logger
        ) { signal.finish() }
        for await _ in started {}
        return store
    }

    /// Opens the store: checks that the schema is at this build's version with every
    /// append-only trigger in place (migrating first when `migrate` is true).
    /// - Throws: ``StoreError/schemaVersion(_:)`` for a database without the schema or at
    ///   another version; ``StoreError/schema(_:)`` for a missing or altered trigger;
    ///   ``StoreError/database(_:)`` when the database cannot be reached.
    public static func open(
        _ configuration: PostgresStoreConfiguration, secret: StoreSecret, checkpoints: CheckpointLog? = nil, migrate: Bool = false,
        logger: Logger = Logger(label: "creditengine.store")
    ) async throws(StoreError) -> PostgresDecisionStore {
        let store = try await connect(configuration, secret: secret, checkpoints: checkpoints, logger: logger)
        if migrate { _ = try await store.migrate() }
        try await store.checkSchema()
        return store
    }

    /// Stops the connection pool (queries after it fail).
    public func close() { runner.cancel() }

    public var displayName: String { configuration.description }

    // MARK: - Schema

    /// Applies the migrations the database lacks, each in its own transaction under the
    /// migration lock (two replicas starting together migrate once), as the connecting role (the
    /// owner); then grants `serviceRole`, when given, what the service needs and nothing more.
    /// - Returns: the schema version before and after.
    /// - Throws: ``StoreError/schemaVersion(_:)`` when the database is newer than this build;
    ///   ``StoreError/invalidLocation(_:)`` for a role name that is not a plain identifier.
    @discardableResult
    public func migrate(serviceRole: String? = nil) async throws(StoreError) -> (from: Int, to: Int) {
        if let serviceRole, !SafeName.isValidRole(serviceRole) {
            throw .invalidLocation("the service role must be a lowercase identifier (letters, digits, _)")
        }
        let logger = self.logger
        return try await inTransaction { connection -> (from: Int, to: Int) in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            let from = try await Self.schemaVersion(connection, logger: logger)
            guard from <= PostgresSchema.latestVersion else {
                throw StoreError.schemaVersion("the database is at version \(from), newer than this build (\(PostgresSchema.latestVersion))")
            }
            for migration in PostgresSchema.migrations where migration.version > from {
                for statement in migration.statements { try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
            }
            if let serviceRole {
                var schema = "public"
                for try await name in try await connection.query("SELECT current_schema()::text", logger: logger).decode(String.self) { schema = name }
                for grant in PostgresSchema.grants(to: serviceRole) {
                    let sql = grant.replacingOccurrences(of: PostgresSchema.schemaPlaceholder, with: "\"\(schema)\"")
                    try await connection.execute(PostgresQuery(unsafeSQL: sql), logger: logger)
                }
            }
            return (from, PostgresSchema.latestVersion)
        }
    }

    private static func schemaVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        var version = 0
        for try await value in try await connection.query("SELECT coalesce(max(version), 0)::int8 FROM schema_migrations", logger: logger)
            .decode(Int64.self)
        { version = Int(value) }
        return version
    }

    /// The schema's safeguards as they stand: the version, and every append-only trigger present,
    /// enabled, firing on its statements and running the refusing function unaltered.
    private func checkSchema() async throws(StoreError) {
        try await withDeadline { () async throws in
            try await self.client.withConnection { connection in
                var hasTable = false
                for try await exists in try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: self.logger)
                    .decode(Bool.self)
                { hasTable = exists }
                guard hasTable else {
                    throw StoreError.schemaVersion("the database holds no decision store; run credit store migrate --store URL as its owner")
                }
                try await Self.checkVersion(connection, logger: self.logger)
                if let problem = try await Self.triggerProblems(connection, logger: self.logger).first { throw StoreError.schema(problem) }
            }
        }
    }

    /// Refuses a schema at another version than this build's.
    static func checkVersion(_ connection: PostgresConnection, logger: Logger) async throws {
        let version = try await schemaVersion(connection, logger: logger)
        guard version == PostgresSchema.latestVersion else {
            throw StoreError.schemaVersion(
                version < PostgresSchema.latestVersion
                    ? "the database is at version \(version), this build needs \(PostgresSchema.latestVersion): run credit store migrate --store URL"
                    : "the database is at version \(version), newer than this build (\(PostgresSchema.latestVersion))")
        }
    }

    /// Every append-only trigger missing, altered (another table, events or function, or the
    /// function's source changed) or disabled.
    static func triggerProblems(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var found: [String: (table: String, type: Int16, enabled: String, function: String, source: String)] = [:]
        let rows = try await connection.query("""
            SELECT t.tgname::text, c.relname::text, t.tgtype, t.tgenabled::text, p.proname::text, p.prosrc
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
            """, logger: logger)
        for try await (name, table, type, enabled, function, source) in rows.decode((String, String, Int16, String, String, String).self) {
            found[name] = (table, type, enabled, function, source)
        }
        return PostgresSchema.triggers.compactMap { trigger in
            guard let stored = found[trigger.name] else { return "the append-only trigger \(trigger.name) is missing" }
            guard stored.table == trigger.table, stored.type == trigger.type, stored.function == "credit_refuse_change",
                stored.source == PostgresSchema.refuseFunctionSource
            else { return "the append-only trigger \(trigger.name) has been altered" }
            return stored.enabled == "D" ? "the append-only trigger \(trigger.name) is disabled" : nil
        }
    }

    // MARK: - Writing

    /// The last row of each chain: its sequence number (0 before the first) and hash.
    private struct ChainLinks {
        var scores: (seq: Int64, hash: String)
        var evaluations: (seq: Int64, hash: String)
    }

    /// Stores decisions in one transaction under the chain lock: for each, the claim of its
    /// idempotency key and both chained rows; each chain's head once, after them. A key or event
    /// stored meanwhile (by any replica) returns that response instead, or its conflict; either
    /// affects only its own decision.
    ///
    /// Set-based, so a batch costs about a dozen round trips whatever its size: the batch's keys,
    /// events and people are looked up with one query each, the decisions are then decided in
    /// order in memory (a duplicate within the batch replays the earlier one, as if stored), and
    /// each table gets one multi-row INSERT.
    public func commit(_ batch: [NewDecision], sealed: [SealedInputs?]) async throws(StoreError) -> [Result<StoredResponse, StoreError>] {
        let (results, advanced) = try await inTransaction { connection -> ([Result<StoredResponse, StoreError>], [(chain: String, seq: Int64, head: String)]) in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.chainLock))", logger: self.logger)
            var writer = BatchWriter(
                links: ChainLinks(
                    scores: try await self.lastLink(connection, chain: "credit_scores"),
                    evaluations: try await self.lastLink(connection, chain: "risk_evaluations")))
            let start = writer.links
            let shaped = batch.filter { (try? Self.checkShape($0)) != nil }
            try await self.lookUp(shaped, into: &writer, connection: connection)
            var results: [Result<StoredResponse, StoreError>] = []
            for (index, decision) in batch.enumerated() {
                do throws(StoreError) {
                    try Self.checkShape(decision)
                    results.append(.success(try self.decide(decision, sealed: index < sealed.count ? sealed[index] : nil, writer: &writer)))
                } catch {
                    results.append(.failure(error))
                }
            }
            try await self.write(writer, connection: connection)
            var advanced: [(chain: String, seq: Int64, head: String)] = []
            let links = writer.links
            if links.scores.seq != start.scores.seq { advanced.append(("credit_scores", links.scores.seq, links.scores.hash)) }
            if links.evaluations.seq != start.evaluations.seq { advanced.append(("risk_evaluations", links.evaluations.seq, links.evaluations.hash)) }
            for head in advanced { try await self.setHead(connection, chain: head.chain, seq: head.seq, hash: head.head) }
            return (results, advanced)
        }
        // After the commit: a checkpoint never names rows that are not stored.
        if !advanced.isEmpty { checkpoints?.append(advanced) }
        return results
    }

    /// What one batch found in the store and will write to it.
    private struct BatchWriter {
        var links: ChainLinks
        /// Stored (or decided earlier in this batch) responses by idempotency key; a stored one
        /// that fails its HMAC is its integrity error, refused when its decision is reached.
        var byKey: [String: Result<StoredResponse, StoreError>] = [:]
        /// Stored (or decided earlier in this batch) responses by event, with their key.
        var byEvent: [String: (key: String, response: Result<StoredResponse, StoreError>)] = [:]
        /// People's data keys: as stored (wrapped) or made in this batch.
        var storedKeys: [String: (id: String, wrapped: Data)] = [:]
        var keys: [String: DataKey] = [:]
        var newKeys: [(id: String, userId: String, wrapped: Data, createdAt: String)] = []
        var scores: [(row: ScoreRow, hash: String, encrypted: Data)] = []
        var evaluations: [(row: EvaluationRow, hash: String)] = []
        var claims: [(decision: NewDecision, mac: String)] = []
    }

    /// Reads what the store holds of the batch's keys, events and people, in three queries.
    private func lookUp(_ batch: [NewDecision], into writer: inout BatchWriter, connection: PostgresConnection) async throws {
        guard !batch.isEmpty else { return }
        let keys = batch.map(\.idempotencyKey), events = batch.map(\.eventId), users = Array(Set(batch.map(\.userId)))
        let byKey = try await connection.query(
            "SELECT k.key, \(unescaped: Self.responseColumns) FROM idempotency_keys k WHERE k.key = ANY(\(keys))", logger: logger)
        for try await (key, scoreId, status, body, requestSHA256, mac) in byKey.decode((String, String, Int64, Data, String, String?).self) {
            writer.byKey[key] = Result { () throws(StoreError) in try authenticated((scoreId, status, body, requestSHA256, mac)) }
        }
        let byEvent = try await connection.query("""
            SELECT s.event_id, k.key, \(unescaped: Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
            WHERE s.event_id = ANY(\(events))
            """, logger: logger)
        for try await (event, key, scoreId, status, body, requestSHA256, mac) in byEvent.decode((String, String, String, Int64, Data, String, String?).self) {
            writer.byEvent[event] = (key, Result { () throws(StoreError) in try authenticated((scoreId, status, body, requestSHA256, mac)) })
        }
        let people = try await connection.query(
            "SELECT user_id, key_id::text, wrapped FROM subject_keys WHERE user_id = ANY(\(users))", logger: logger)
        for try await (user, id, wrapped) in people.decode((String, String, Data).self) { writer.storedKeys[user] = (id, wrapped) }
    }

    /// Decides one decision of the batch in memory: the stored response its key or event already
    /// has (or the refusal), else its rows, appended to the batch's writes.
    private func decide(_ decision: NewDecision, sealed: SealedInputs?, writer: inout BatchWriter) throws(StoreError) -> StoredResponse {
        if let stored = writer.byKey[decision.idempotencyKey] { return try StoreRules.replay(try stored.get(), for: decision) }
        // One decision per event, whatever the key it came with.
        if let stored = writer.byEvent[decision.eventId] {
            return try StoreRules.replay(try stored.response.get(), storedKey: stored.key, forEventOf: decision)
        }
        let (keyId, encrypted) = try inputs(of: decision, sealed: sealed, writer: &writer)
        let responseDigest = StoredResponse.digest(status: decision.responseStatus, body: decision.responseBody)
        let scoreRow = ScoreRow(
            seq: writer.links.scores.seq + 1, id: decision.scoreId, createdAt: decision.createdAt, eventId: decision.eventId,
            loanId: decision.loanId, userId: decision.userId, amount: decision.amount, tenorMonths: decision.tenorMonths,
            applicationDate: decision.applicationDate, modelId: decision.modelId, modelVersion: decision.modelVersion,
            modelSHA256: decision.modelSHA256, score: decision.score, probabilityOfDefault: decision.probabilityOfDefault,
            grade: decision.grade, inputsEncrypted: encrypted.base64EncodedString(), inputsKeyId: keyId, prevHash: writer.links.scores.hash)
        let evaluationRow = EvaluationRow(
            seq: writer.links.evaluations.seq + 1, id: decision.evaluationId, scoreId: decision.scoreId, createdAt: decision.createdAt,
            policyId: decision.policyId, policyVersion: decision.policyVersion, policySHA256: decision.policySHA256,
            decision: decision.decision, ruleHits: decision.ruleHitsJSON, reasons: decision.reasonsJSON, responseSHA256: responseDigest,
            prevHash: writer.links.evaluations.hash)
        let scoreHash: String, evaluationHash: String
        do {
            (scoreHash, evaluationHash) = (try AuditChain.hash(scoreRow), try AuditChain.hash(evaluationRow))
        } catch {
            throw .database("a row could not be hashed")
        }
        writer.scores.append((scoreRow, scoreHash, encrypted))
        writer.evaluations.append((evaluationRow, evaluationHash))
        writer.claims.append((decision, StoreRules.responseMAC(
            scoreId: decision.scoreId, status: decision.responseStatus, body: decision.responseBody, secret: secret)))
        writer.links = ChainLinks(scores: (scoreRow.seq, scoreHash), evaluations: (evaluationRow.seq, evaluationHash))
        let response = StoredResponse(status: decision.responseStatus, body: decision.responseBody, requestSHA256: decision.requestSHA256)
        writer.byKey[decision.idempotencyKey] = .success(response)
        writer.byEvent[decision.eventId] = (decision.idempotencyKey, .success(response))
        return response
    }

    /// The decision's inputs, encrypted under the person's data key: as sealed ahead when the
    /// person still has that key, else sealed here under the key the transaction sees (made, and
    /// stored wrapped, on the person's first decision).
    private func inputs(of decision: NewDecision, sealed: SealedInputs?, writer: inout BatchWriter) throws(StoreError) -> (keyId: String, encrypted: Data) {
        if let key = writer.keys[decision.userId] {
            return (key.id, try secret.seal(decision.inputsJSON, context: decision.scoreId, key: key.key))
        }
        let key: DataKey
        if let stored = writer.storedKeys[decision.userId] {
            key = DataKey(id: stored.id, key: try secret.dataKey(wrapped: stored.wrapped, keyId: stored.id))
            writer.keys[decision.userId] = key
            if let sealed, sealed.keyId == stored.id { return (sealed.keyId, sealed.ciphertext) }
        } else {
            let id = UUID().uuidString.lowercased()
            let made = try secret.newDataKey(keyId: id)
            writer.newKeys.append((id, decision.userId, made.wrapped, decision.createdAt))
            key = DataKey(id: id, key: made.key)
            writer.keys[decision.userId] = key
        }
        keyCache.remember(key, for: decision.userId)
        return (key.id, try secret.seal(decision.inputsJSON, context: decision.scoreId, key: key.key))
    }

    /// The batch's rows, one multi-row INSERT per table; the keys are claimed with
    /// `ON CONFLICT DO NOTHING RETURNING`, and a claim that did not take fails the batch.
    private func write(_ writer: BatchWriter, connection: PostgresConnection) async throws {
        guard !writer.claims.isEmpty else { return }
        if !writer.newKeys.isEmpty {
            var insert = RowsInsert("INSERT INTO subject_keys (key_id, user_id, wrapped, created_at) VALUES ")
            for key in writer.newKeys { try insert.row([.uuid(key.id), .text(key.userId), .bytes(key.wrapped), .time(key.createdAt)]) }
            try await connection.execute(insert.query(), logger: logger)
        }
        var claims = RowsInsert(
            "INSERT INTO idempotency_keys (key, request_sha256, score_id, status, response, response_mac, created_at) VALUES ")
        for (decision, mac) in writer.claims {
            try claims.row([
                .text(decision.idempotencyKey), .text(decision.requestSHA256), .uuid(decision.scoreId), .integer(Int64(decision.responseStatus)),
                .bytes(decision.responseBody), .text(mac), .time(decision.createdAt),
            ])
        }
        var claimed = 0
        for try await _ in try await connection.query(claims.query(suffix: " ON CONFLICT (key) DO NOTHING RETURNING key"), logger: logger)
            .decode(String.self)
        { claimed += 1 }
        // Under the chain lock no other transaction can hold a key uncommitted: checked, not trusted.
        guard claimed == writer.claims.count else { throw StoreError.database("an idempotency key was claimed concurrently; retry") }
        var scores = RowsInsert("""
            INSERT INTO credit_scores (id, seq, created_at, event_id, loan_id, user_id, amount, tenor_months, application_date,
              model_id, model_version, model_sha256, score, pd, grade, inputs_encrypted, inputs_key_id, prev_hash, row_hash) VALUES
            """)
        for (row, hash, encrypted) in writer.scores {
            try scores.row([
                .uuid(row.id), .integer(row.seq), .time(row.createdAt), .text(row.eventId), .text(row.loanId), .text(row.userId),
                .double(row.amount), .double(row.tenorMonths), .date(row.applicationDate), .text(row.modelId), .text(row.modelVersion),
                .text(row.modelSHA256), .double(row.score), .double(row.probabilityOfDefault), .text(row.grade), .bytes(encrypted),
                .uuid(row.inputsKeyId), .text(row.prevHash), .text(hash),
            ])
        }
        try await connection.execute(scores.query(), logger: logger)
        var evaluations = RowsInsert("""
            INSERT INTO risk_evaluations (id, seq, score_id, created_at, policy_id, policy_version, policy_sha256, decision,
              rule_hits, reasons, response_sha256, prev_hash, row_hash) VALUES
            """)
        for (row, hash) in writer.evaluations {
            try evaluations.row([
                .uuid(row.id), .integer(row.seq), .uuid(row.scoreId), .time(row.createdAt), .text(row.policyId), .text(row.policyVersion),
                .text(row.policySHA256), .text(row.decision), .text(row.ruleHits), .text(row.reasons), .text(row.responseSHA256),
                .text(row.prevHash), .text(hash),
            ])
        }
        try await connection.execute(evaluations.query(), logger: logger)
    }

    /// Refuses a decision whose ids or times the schema's types would not give back as the same
    /// text (the hash chain covers the text): ids are lowercase UUIDs, `createdAt` is UTC with
    /// milliseconds, `applicationDate` is `YYYY-MM-DD`.
    static func checkShape(_ decision: NewDecision) throws(StoreError) {
        for (name, id) in [("score id", decision.scoreId), ("evaluation id", decision.evaluationId)] where !isCanonicalUUID(id) {
            throw .database("the \(name) must be a lowercase UUID")
        }
        guard isCanonicalTimestamp(decision.createdAt) else { throw .database("createdAt must be UTC with milliseconds (2026-11-25T09:47:41.498Z)") }
        guard isCanonicalDate(decision.applicationDate) else { throw .database("the application date must be YYYY-MM-DD") }
    }

    static func isCanonicalUUID(_ text: String) -> Bool {
        UUID(uuidString: text)?.uuidString.lowercased() == text
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` that PostgreSQL reads as that instant.
    static func isCanonicalTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), isCanonicalDate(String(decoding: bytes[0..<10], as: UTF8.self))
        else { return false }
        let digits = [11, 12, 14, 15, 17, 18, 20, 21, 22].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }
        let hour = Int(String(decoding: bytes[11..<13], as: UTF8.self)) ?? 99
        let minute = Int(String(decoding: bytes[14..<16], as: UTF8.self)) ?? 99
        let second = Int(String(decoding: bytes[17..<19], as: UTF8.self)) ?? 99
        return digits && hour < 24 && minute < 60 && second < 60
    }

    /// `YYYY-MM-DD`, a real day of the calendar, year 1 to 9999.
    static func isCanonicalDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }),
            let year = Int(String(decoding: bytes[0..<4], as: UTF8.self)), let month = Int(String(decoding: bytes[5..<7], as: UTF8.self)),
            let day = Int(String(decoding: bytes[8..<10], as: UTF8.self)), year >= 1, (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    private func lastLink(_ connection: PostgresConnection, chain: String) async throws -> (seq: Int64, hash: String) {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT seq, row_hash FROM \(chain) ORDER BY seq DESC LIMIT 1"), logger: logger)
        for try await (seq, hash) in rows.decode((Int64, String).self) { return (seq, hash) }
        return (0, AuditChain.genesis)
    }

    private func setHead(_ connection: PostgresConnection, chain: String, seq: Int64, hash: String) async throws {
        let mac = secret.mac("\(chain)|\(seq)|\(hash)")
        try await connection.execute("""
            INSERT INTO audit_head (chain, seq, row_hash, mac) VALUES (\(chain), \(seq), \(hash), \(mac))
            ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash, mac = excluded.mac
            """, logger: logger)
    }

    /// The columns a stored response is read with, for ``authenticated(_:)``.
    private static let responseColumns = "k.score_id::text, k.status::int8, k.response, k.request_sha256, k.response_mac"
    private typealias ResponseColumns = (String, Int64, Data, String, String?)

    private func authenticated(_ columns: ResponseColumns) throws(StoreError) -> StoredResponse {
        let (scoreId, status, body, requestSHA256, mac) = columns
        return try StoreRules.authenticated(
            StoredResponse(status: Int(status), body: body, requestSHA256: requestSHA256), scoreId: scoreId, mac: mac, secret: secret)
    }

}

extension PostgresDecisionStore {
    // MARK: - Reading

    /// Seals `decision`'s inputs under the person's data key as last seen (read once, then
    /// remembered); nil for a person without a key yet.
    public func seal(_ decision: NewDecision) async -> SealedInputs? {
        await keyCache.seal(decision, secret: secret) {
            // Within the deadline: while the database is down this must not wait on the pool.
            try? await withDeadline { () async throws -> (id: String, wrapped: Data)? in
                let rows = try await self.client.query(
                    "SELECT key_id::text, wrapped FROM subject_keys WHERE user_id = \(decision.userId)", logger: self.logger)
                for try await (id, wrapped) in rows.decode((String, Data).self) { return (id, wrapped) }
                return nil
            }
        }
    }

    public func response(forKey key: String) async throws(StoreError) -> StoredResponse? {
        try await withDeadline { () async throws -> StoredResponse? in
            let rows = try await self.client.query(
                "SELECT \(unescaped: Self.responseColumns) FROM idempotency_keys k WHERE k.key = \(key)", logger: self.logger)
            for try await columns in rows.decode(ResponseColumns.self) { return try self.authenticated(columns) }
            return nil
        }
    }

    public func response(forScore id: String) async throws(StoreError) -> StoredResponse? {
        guard Self.isCanonicalUUID(id) else { return nil }
        return try await withDeadline { () async throws -> StoredResponse? in
            let rows = try await self.client.query(
                "SELECT \(unescaped: Self.responseColumns) FROM idempotency_keys k WHERE k.score_id = \(id)::uuid", logger: self.logger)
            for try await columns in rows.decode(ResponseColumns.self) { return try self.authenticated(columns) }
            return nil
        }
    }

    public func responses(forLoan loanId: String, after: Int64? = nil, limit: Int = 100) async throws(StoreError) -> (bodies: [Data], next: Int64?) {
        try await withDeadline { () async throws -> (bodies: [Data], next: Int64?) in
            let rows = try await self.client.query("""
                SELECT s.seq, \(unescaped: Self.responseColumns) FROM credit_scores s JOIN idempotency_keys k ON k.score_id = s.id
                WHERE s.loan_id = \(loanId) AND s.seq > \(after ?? 0) ORDER BY s.seq LIMIT \(limit + 1)
                """, logger: self.logger)
            var page: [(seq: Int64, body: Data)] = []
            for try await (seq, scoreId, status, body, requestSHA256, mac) in rows.decode((Int64, String, Int64, Data, String, String?).self) {
                page.append((seq, try self.authenticated((scoreId, status, body, requestSHA256, mac)).body))
            }
            let next = page.count > limit ? page[limit - 1].seq : nil
            return (page.prefix(limit).map(\.body), next)
        }
    }

    /// Every stored decision in order, inputs decrypted; a row that cannot be decrypted or
    /// authenticated is returned with the reason.
    public func storedDecisions() async throws(StoreError) -> [StoredDecision] {
        try await database { () async throws -> [StoredDecision] in
            try await client.withConnection { connection in
                let erased = try await erasedKeyIds(connection)
                let rows = try await connection.query("""
                    SELECT s.id::text, e.id::text, \(unescaped: Self.timeText("s.created_at")), s.event_id, s.loan_id, s.model_sha256,
                      e.policy_sha256, s.amount, s.tenor_months, to_char(s.application_date, 'YYYY-MM-DD'), s.score, s.pd, e.decision,
                      e.rule_hits, s.inputs_encrypted, s.inputs_key_id::text, sk.wrapped, k.status::int8, k.response, k.request_sha256,
                      k.response_mac
                    FROM credit_scores s JOIN risk_evaluations e ON e.score_id = s.id LEFT JOIN idempotency_keys k ON k.score_id = s.id
                    LEFT JOIN subject_keys sk ON sk.key_id = s.inputs_key_id ORDER BY s.seq
                    """, logger: logger)
                var stored: [StoredDecision] = []
                for try await row in rows {
                    let (scoreId, evaluationId, createdAt, eventId, loanId, modelSHA256, policySHA256, amount, tenor, date, score, pd, decision) =
                        try row.decode((String, String, String, String, String, String, String, Double, Double?, String, Double?, Double?, String).self)
                    let (ruleHits, encrypted, keyId, wrapped, status, body, requestSHA256, mac) =
                        try row.makeRandomAccess().decodeColumns((String, Data, String?, Data?, Int64?, Data?, String?, String?).self, from: 13)
                    let response: Result<StoredResponse, StoreError>
                    if let status, let body, let requestSHA256 {
                        response = Result { () throws(StoreError) in try authenticated((scoreId, status, body, requestSHA256, mac)) }
                            .mapError { _ in .integrity(scoreId: scoreId) }
                    } else {
                        response = .failure(.integrity(scoreId: scoreId))
                    }
                    stored.append(StoredDecision(
                        scoreId: scoreId, evaluationId: evaluationId, createdAt: createdAt, eventId: eventId, loanId: loanId, modelSHA256: modelSHA256,
                        policySHA256: policySHA256, amount: amount, tenorMonths: tenor, applicationDate: date, score: score, probabilityOfDefault: pd,
                        decision: decision, ruleHitsJSON: ruleHits,
                        inputsJSON: StoreRules.openInputs(encrypted, keyId: keyId, wrapped: wrapped, scoreId: scoreId, erasedKeys: erased, secret: secret),
                        response: response))
                }
                return stored
            }
        }
    }

    /// The ids of every data key an erasure destroyed, read on the caller's connection (a pool
    /// of one has no second).
    func erasedKeyIds(_ connection: PostgresConnection) async throws -> Set<String> {
        var ids: Set<String> = []
        for try await text in try await connection.query("SELECT key_ids FROM erasures", logger: logger).decode(String.self) {
            ids.formUnion((try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [])
        }
        return ids
    }

    /// A `timestamptz` column as the text the chain hashed: UTC with milliseconds.
    static func timeText(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    /// Whether the database answers within two seconds (for readiness).
    public func isReachable() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                guard let rows = try? await self.client.query("SELECT 1::int8", logger: self.logger) else { return false }
                return ((try? await rows.decode(Int64.self).first { _ in true }) ?? nil) == 1
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Runs `body` within the store's deadline (the connect timeout plus the statement timeout,
    /// and a second): while PostgreSQL cannot be reached the pool keeps trying to connect, and a
    /// caller must get its 503 in time, not wait on it. A write cut off by the deadline has an
    /// unknown outcome, like a lost connection: it is reported failed, and its retry finds its key
    /// if it did commit.
    func withDeadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws(StoreError) -> T {
        let limit = Duration.seconds(configuration.connectTimeoutSeconds) + .milliseconds(configuration.statementTimeoutMilliseconds) + .seconds(1)
        return try await database {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw StoreError.database("PostgreSQL did not answer within \(limit) (unreachable, or the pool is exhausted)")
                }
                return value
            }
        }
    }

    /// Runs `body` in one transaction on a leased connection. Only the wait for a connection is
    /// bounded by the store's deadline and cancelled when it passes; a transaction under way is
    /// never cancelled (postgres-nio does not stop a statement the server is running, and a row
    /// stream cut off by cancellation reads as fewer rows): its statements are bounded by the
    /// server's `statement_timeout`, and it always ends in COMMIT or ROLLBACK, so the connection
    /// goes back to the pool idle, never inside a transaction.
    func inTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        let limit = Duration.seconds(configuration.connectTimeoutSeconds) + .milliseconds(configuration.statementTimeoutMilliseconds) + .seconds(1)
        let leased = LeaseFlag()
        return try await database {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        leased.value.withLock { $0 = true }
                        // An unstructured task does not inherit the caller's cancellation.
                        return try await Task { try await connection.withTransaction(logger: self.logger) { try await body($0) } }.value
                    }
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let value = next { return value }
                    guard leased.value.withLock({ $0 }) else {
                        throw StoreError.database("PostgreSQL gave no connection within \(limit) (unreachable, or the pool is exhausted)")
                    }
                }
                throw StoreError.database("the transaction ended without a result")
            }
        }
    }

    /// Runs `body`, mapping a failure to ``StoreError``: a store error as it is, a database error
    /// as ``StoreError/database(_:)`` with its SQLSTATE and server message only (a query's bound
    /// values, which hold applicant data, never appear).
    func database<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The store error a failure is: itself, or the database error it reports.
    static func storeError(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as PostgresTransactionError:
            // The closure's own error first: a refused decision is not the transaction's fault.
            guard let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError else { return .database("transaction failed") }
            return storeError(cause)
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] { return .database("PostgreSQL \(error.serverInfo?[.sqlState] ?? "error"): \(message)") }
            return .database("PostgreSQL connection: \(error.code)")
        default: return .database("\(type(of: error)): \(error)")
        }
    }
}

extension PostgresDecisionStore: DecisionStorage {}

/// Whether a transaction's connection has been leased (shared by the tasks racing the deadline).
private final class LeaseFlag: Sendable {
    let value = Mutex(false)
}

extension PostgresConnection {
    /// Runs a statement whose rows are not needed to its end. A statement that returns rows
    /// reports its failure through them, not through `query`: a caller that dropped them would
    /// go on in an aborted transaction and see only the next statement's 25P02.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension PostgresRandomAccessRow {
    /// The columns from `start` on, decoded as `types` (for rows wider than one tuple).
    func decodeColumns<each Column: PostgresDecodable>(_ types: (repeat each Column).Type, from start: Int) throws -> (repeat each Column) {
        var index = start
        func next<T: PostgresDecodable>(_: T.Type) throws -> T {
            defer { index += 1 }
            return try self[index].decode(T.self)
        }
        return (repeat try next((each Column).self))
    }
}
