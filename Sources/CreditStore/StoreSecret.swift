import Crypto
import Foundation
import CreditAudit

/// The store's 256-bit secret, from which three keys are derived (HKDF-SHA256): one wraps the
/// per-person data keys that encrypt applicant inputs (AES-GCM), one encrypted the inputs of rows
/// written before per-person keys, and one authenticates the audit chain (HMAC-SHA256).
///
/// Each person (`user_id`) has a random data key of their own, stored wrapped in the database:
/// destroying it (``DecisionStore/erase(_:)``) makes exactly that person's stored inputs
/// unreadable while every hash of the chain stays as it was (crypto-shredding).
public struct StoreSecret: Sendable {
    let encryptionKey: SymmetricKey
    let wrappingKey: SymmetricKey
    let auditKey: SymmetricKey

    /// A secret from its base64 text (32 bytes once decoded; surrounding white space ignored).
    /// - Throws: ``StoreError/invalidSecret(_:)``.
    public init(base64 text: String) throws(StoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed), bytes.count == 32 else {
            throw .invalidSecret("the store key must be 32 bytes in base64 (e.g. `head -c 32 /dev/urandom | base64`)")
        }
        let master = SymmetricKey(data: bytes)
        encryptionKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("creditengine inputs v1".utf8), outputByteCount: 32)
        auditKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("creditengine audit v1".utf8), outputByteCount: 32)
        wrappingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("creditengine subject keys v1".utf8), outputByteCount: 32)
    }

    /// A new random data key for one person, and its wrapped form (bound to `keyId`) to store.
    func newDataKey(keyId: String) throws(StoreError) -> (key: SymmetricKey, wrapped: Data) {
        let key = SymmetricKey(size: .bits256)
        let wrapped = try seal(key.withUnsafeBytes { Data($0) }, context: "subject key|\(keyId)", key: wrappingKey)
        return (key, wrapped)
    }

    /// The data key that ``newDataKey(keyId:)`` wrapped.
    /// - Throws: ``StoreError/undecryptable(_:)`` when the wrapped key was altered or moved.
    func dataKey(wrapped: Data, keyId: String) throws(StoreError) -> SymmetricKey {
        SymmetricKey(data: try open(wrapped, context: "subject key|\(keyId)", key: wrappingKey))
    }

    /// Encrypts `plaintext` under `key` (by default the key of rows from before per-person keys),
    /// bound to `context` (the row id) so a ciphertext cannot be moved to another row. Returns
    /// nonce ‖ ciphertext ‖ tag.
    func seal(_ plaintext: Data, context: String, key: SymmetricKey? = nil) throws(StoreError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key ?? encryptionKey, authenticating: Data(context.utf8)).combined else {
                throw StoreError.invalidSecret("AES-GCM produced no combined form")
            }
            return combined
        } catch let error as StoreError {
            throw error
        } catch {
            throw .invalidSecret("encryption failed: \(error)")
        }
    }

    /// Decrypts what ``seal(_:context:)`` produced.
    /// - Throws: ``StoreError/undecryptable(_:)`` for a wrong key, a moved or altered ciphertext.
    func open(_ combined: Data, context: String, key: SymmetricKey? = nil) throws(StoreError) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key ?? encryptionKey, authenticating: Data(context.utf8))
        } catch {
            throw .undecryptable(context)
        }
    }

    /// HMAC-SHA256 of `text` under the audit key, as hex.
    func mac(_ text: String) -> String {
        ContentDigest.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: auditKey))
    }
}

/// What the decision store can fail with.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSecret(String)
    case undecryptable(String)
    case database(String)
    /// The same idempotency key was used with a different request body.
    case idempotencyConflict(key: String)
    /// The event was already decided under another idempotency key or for another caller: one
    /// LoanAppliedEvent gives one decision.
    case eventAlreadyDecided(eventId: String)
    /// A stored response does not match what the audit chain recorded for it (edited in the
    /// database); it must not be served.
    case integrity(scoreId: String)
    /// The store's schema lacks a safeguard (an append-only trigger missing or altered).
    case schema(String)
    /// The store file does not exist (it is only created where asked).
    case missingStore(String)
    /// The inputs of this score id were erased at the person's request (their key destroyed).
    case erased(String)
    /// The key of this score id's inputs is gone although no erasure records it (deleted outside
    /// `credit store erase`).
    case inputsKeyMissing(String)
    /// An erasure request that cannot be recorded as given (the field and what is wrong).
    case invalidErasure(String)
    /// No decision with this score id within the rows asked about.
    case unknownDecision(String)
    /// The store has problems (``AuditChain/verify(path:secret:checkpoints:)``), so no proof of it means anything.
    case notIntact
    /// A store location (a PostgreSQL URL or its settings) that cannot be used, and why.
    case invalidLocation(String)
    /// The database's schema is older than this build (run `credit store migrate`), or newer.
    case schemaVersion(String)

    public var description: String {
        switch self {
        case .invalidSecret(let problem): return problem
        case .undecryptable(let id): return "the inputs of \(id) cannot be decrypted with this key (wrong key, or the row was altered)"
        case .database(let problem): return "database: \(problem)"
        case .idempotencyConflict(let key): return "idempotency key '\(key)' was already used with a different request"
        case .eventAlreadyDecided(let eventId): return "event '\(eventId)' was already decided under another idempotency key or caller"
        case .integrity(let scoreId):
            return "the stored response of score \(scoreId) does not match the audit trail (altered in the database); it is not served"
        case .schema(let problem): return "the store's schema is not intact: \(problem)"
        case .missingStore(let path): return "no store at '\(path)'"
        case .erased(let id): return "the inputs of \(id) were erased at the person's request"
        case .inputsKeyMissing(let id): return "the key of the inputs of \(id) is missing and no erasure records it (deleted outside credit store erase)"
        case .invalidErasure(let problem): return "erasure: \(problem)"
        case .unknownDecision(let id): return "no decision \(id) within the rows asked about"
        case .notIntact: return "the store does not verify (run credit audit verify); no proof is given"
        case .invalidLocation(let problem): return "store: \(problem)"
        case .schemaVersion(let problem): return "store schema: \(problem)"
        }
    }
}
