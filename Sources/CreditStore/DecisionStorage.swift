public import Foundation
public import Logging

/// What the score service needs of a decision store, whatever holds it: an embedded SQLite
/// file (``DecisionStore``, one instance) or a PostgreSQL database shared by every replica
/// (``PostgresDecisionStore``). Both keep the same tables, hash chains and guarantees.
public protocol DecisionStorage: Sendable {
    /// Where the store is, for logs: a file name, or host and database (never a password).
    var displayName: String { get }

    /// Seals `decision`'s inputs ahead of ``commit(_:sealed:)``, on the caller's task; nil when the
    /// person has no data key yet (it is made in the transaction).
    func seal(_ decision: NewDecision) async -> SealedInputs?

    /// Stores decisions in one transaction; each result is the decision's stored response, the
    /// one stored before under its key or event, or why it was refused.
    /// - Throws: ``StoreError/database(_:)`` when the transaction fails (then none is stored).
    func commit(_ batch: [NewDecision], sealed: [SealedInputs?]) async throws(StoreError) -> [Result<StoredResponse, StoreError>]

    /// The stored response for an idempotency key, if the key was used.
    func response(forKey key: String) async throws(StoreError) -> StoredResponse?

    /// The stored response of a score id.
    func response(forScore id: String) async throws(StoreError) -> StoredResponse?

    /// One page of a loan's stored responses, oldest first, and the cursor of the next page.
    func responses(forLoan loanId: String, after: Int64?, limit: Int) async throws(StoreError) -> (bodies: [Data], next: Int64?)

    /// Every stored decision in order, inputs decrypted, for replay.
    func storedDecisions() async throws(StoreError) -> [StoredDecision]

    /// Whether the database answers (for readiness).
    func isReachable() async -> Bool
}

/// One stored decision with its decrypted inputs, for replay.
public struct StoredDecision: Sendable {
    public var scoreId: String
    public var evaluationId: String
    public var createdAt: String
    public var eventId: String
    public var loanId: String
    public var modelSHA256: String
    public var policySHA256: String
    public var amount: Double
    public var tenorMonths: Double?
    public var applicationDate: String
    public var score: Double?
    public var probabilityOfDefault: Double?
    public var decision: String
    public var ruleHitsJSON: String
    /// The inputs as stored (JSON), decrypted, or the reason they cannot be.
    public var inputsJSON: Result<Data, StoreError>
    /// The response given, as stored (checked against its HMAC), or the reason it cannot be used.
    public var response: Result<StoredResponse, StoreError>
}

/// Where a store is: a SQLite file, or a PostgreSQL URL (`postgresql://` or `postgres://`).
/// The one place a store location becomes an open store (``open(secret:create:checkpoints:migrate:logger:)``).
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresStoreConfiguration)

    /// The location `text` names: a PostgreSQL URL, else a SQLite path.
    /// - Parameter password: the database password when it is not in the URL (from
    ///   `storePasswordFile` or `storePasswordEnvironment`).
    /// - Throws: ``StoreError/invalidLocation(_:)`` for a PostgreSQL URL that cannot be used.
    public static func parse(_ text: String, password: String? = nil) throws(StoreError) -> StoreLocation {
        guard isPostgresURL(text) else { return .sqlite(path: text) }
        return .postgres(try PostgresStoreConfiguration(url: text, password: password))
    }

    /// The store at this location, opened and checked: a SQLite file (created only when `create`
    /// is true), or a PostgreSQL database at this build's schema version (migrated first when
    /// `migrate` is true).
    public func open(
        secret: StoreSecret, create: Bool = false, checkpoints: CheckpointLog? = nil, migrate: Bool = false,
        logger: Logger = Logger(label: "creditengine.store")
    ) async throws(StoreError) -> any DecisionStorage {
        switch self {
        case .sqlite(let path): return try DecisionStore(path: path, secret: secret, create: create, checkpoints: checkpoints)
        case .postgres(let configuration):
            return try await PostgresDecisionStore.open(configuration, secret: secret, checkpoints: checkpoints, migrate: migrate, logger: logger)
        }
    }

    /// Whether `text` is a PostgreSQL URL rather than a file path.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://")
    }
}
