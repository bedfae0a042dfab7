public import CreditStore
import Foundation

/// Erasure of one person's stored inputs with the service's own store, key and checkpoint log
/// (`credit store erase`): safe while the service runs, since both take SQLite's write lock.
public enum Erasure {
    /// Destroys the data key of `userId` and records the erasure (``DecisionStore/erase(_:)``).
    /// - Throws: ``ConfigurationProblem`` for an unusable configuration; ``CreditStore/StoreError``.
    public static func run(configuration: ServerConfiguration, userId: String, requestedBy: String, reason: String) throws -> ErasureReport {
        guard case .sqlite(let path) = try configuration.storeLocation() else {
            throw ConfigurationProblem("credit store erase works on a SQLite store; on a PostgreSQL store it is not available yet")
        }
        let store = try DecisionStore(
            path: path, secret: try StoreSecret(base64: try configuration.storeSecretText()), create: false,
            checkpoints: try configuration.checkpointLog { _, _ in })
        return try store.erase(ErasureRequest(
            id: UUID().uuidString.lowercased(), createdAt: ScoreService.utcTimestamp(), userId: userId, requestedBy: requestedBy, reason: reason))
    }
}
