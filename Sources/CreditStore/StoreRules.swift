import Crypto
import Foundation
import Synchronization

/// The rules every backend of the decision store applies the same way: which stored response a
/// repeated key or event gets, how a stored response is authenticated, how inputs are opened.
enum StoreRules {
    /// What a stored response's HMAC covers.
    static func responseMACText(scoreId: String, digest: String) -> String { "response|\(scoreId)|\(digest)" }

    /// The HMAC a stored response is written with.
    static func responseMAC(scoreId: String, status: Int, body: Data, secret: StoreSecret) -> String {
        secret.mac(responseMACText(scoreId: scoreId, digest: StoredResponse.digest(status: status, body: body)))
    }

    /// `response` after checking its HMAC; rows from before the response was authenticated (no
    /// MAC) are served as they are.
    /// - Throws: ``StoreError/integrity(scoreId:)`` when the bytes, status or score id were altered.
    static func authenticated(_ response: StoredResponse, scoreId: String, mac: String?, secret: StoreSecret) throws(StoreError) -> StoredResponse {
        if let mac, mac != responseMAC(scoreId: scoreId, status: response.status, body: response.body, secret: secret) {
            throw .integrity(scoreId: scoreId)
        }
        return response
    }

    /// What a decision whose idempotency key is already stored gets: the stored response for the
    /// same request, a conflict for another.
    static func replay(_ stored: StoredResponse, for decision: NewDecision) throws(StoreError) -> StoredResponse {
        guard isSameRequest(stored, decision) else { throw .idempotencyConflict(key: decision.idempotencyKey) }
        return stored
    }

    /// What a decision whose event is already decided (under `storedKey`) gets: the stored
    /// response for the same request from the same caller; otherwise the event is refused.
    static func replay(_ stored: StoredResponse, storedKey: String, forEventOf decision: NewDecision) throws(StoreError) -> StoredResponse {
        // Keys written before per-caller namespaces hold no caller; their owner is unknown.
        let sameCaller = !storedKey.contains("/") || caller(of: storedKey) == caller(of: decision.idempotencyKey)
        guard isSameRequest(stored, decision), sameCaller else { throw .eventAlreadyDecided(eventId: decision.eventId) }
        return stored
    }

    private static func isSameRequest(_ stored: StoredResponse, _ decision: NewDecision) -> Bool {
        stored.requestSHA256 == decision.requestSHA256 || stored.requestSHA256 == decision.legacyRequestSHA256
    }

    /// The caller part of a scoped idempotency key (`caller/key`).
    private static func caller(of scopedKey: String) -> Substring? {
        scopedKey.lastIndex(of: "/").map { scopedKey[..<$0] }
    }

    /// A stored decision's inputs, decrypted under the person's data key (`wrapped`, bound to
    /// `keyId`), or under the store key for rows from before per-person keys (no key id); a row
    /// whose key an erasure destroyed is ``StoreError/erased(_:)``.
    static func openInputs(
        _ encrypted: Data, keyId: String?, wrapped: Data?, scoreId: String, erasedKeys: Set<String>, secret: StoreSecret
    ) -> Result<Data, StoreError> {
        do throws(StoreError) {
            guard let keyId else { return .success(try secret.open(encrypted, context: scoreId)) }
            guard let wrapped else { return .failure(erasedKeys.contains(keyId) ? .erased(scoreId) : .inputsKeyMissing(scoreId)) }
            return .success(try secret.open(encrypted, context: scoreId, key: try secret.dataKey(wrapped: wrapped, keyId: keyId)))
        } catch {
            return .failure(.undecryptable(scoreId))
        }
    }
}

/// A person's data key and its id.
struct DataKey: Sendable {
    var id: String
    var key: SymmetricKey
}

/// Data keys already unwrapped, by user id, so inputs are sealed on the callers' threads and not
/// on the one that writes. Bounded: emptied when it is full.
final class DataKeyCache: Sendable {
    private let keys = Mutex<[String: DataKey]>([:])
    private static let limit = 4096

    func key(for userId: String) -> DataKey? { keys.withLock { $0[userId] } }

    /// Remembers `key` for `userId` (nil forgets it, after an erasure).
    func remember(_ key: DataKey?, for userId: String) {
        keys.withLock { keys in
            if keys.count >= Self.limit { keys.removeAll(keepingCapacity: true) }
            keys[userId] = key
        }
    }

    /// `decision`'s inputs sealed under its person's key as last seen (`lookUp` reads the wrapped
    /// key from the store once, then it is remembered); nil for a person without a key yet.
    func seal(_ decision: NewDecision, secret: StoreSecret, lookUp: () async -> (id: String, wrapped: Data)?) async -> SealedInputs? {
        var key = self.key(for: decision.userId)
        if key == nil, let found = await lookUp(), let unwrapped = try? secret.dataKey(wrapped: found.wrapped, keyId: found.id) {
            key = DataKey(id: found.id, key: unwrapped)
            remember(key, for: decision.userId)
        }
        guard let key, let ciphertext = try? secret.seal(decision.inputsJSON, context: decision.scoreId, key: key.key) else { return nil }
        return SealedInputs(keyId: key.id, ciphertext: ciphertext)
    }
}
