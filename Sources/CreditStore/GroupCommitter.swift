import Foundation
import Synchronization

/// Group commit: decisions arriving while a transaction is being synced to disk wait and go
/// together in the next one, so the store syncs once per batch instead of once per decision.
/// Each caller still returns only after its own decision is committed. One batch is written at a
/// time per instance; the store decides where (SQLite on its own write thread, PostgreSQL on a
/// pooled connection, under the chain's lock, with other replicas' batches in between).
public final class GroupCommitter: Sendable {
    private struct Waiting {
        var decision: NewDecision
        /// Its inputs, sealed on the caller's thread.
        var sealed: SealedInputs?
        var continuation: CheckedContinuation<StoredResponse, any Error>
    }

    private let store: any DecisionStorage
    /// Told the duration and size of every committed (or failed) batch, for metrics.
    private let observe: @Sendable (_ duration: Duration, _ decisions: Int) -> Void
    private let state = Mutex<(pending: [Waiting], draining: Bool)>(([], false))
    /// The largest batch written in one transaction.
    public static let maximumBatch = 256

    /// A committer for `store`; `observe` is called after each batch.
    public init(store: any DecisionStorage, observe: @escaping @Sendable (_ duration: Duration, _ decisions: Int) -> Void = { _, _ in }) {
        self.store = store
        self.observe = observe
    }

    /// Stores `decision` in the next transaction and returns once it is committed.
    /// - Throws: ``StoreError``.
    public func record(_ decision: NewDecision) async throws(StoreError) -> StoredResponse {
        // The encryption runs here, on the caller's thread, not on the one that writes.
        let sealed = await store.seal(decision)
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let startDrain = state.withLock { state -> Bool in
                    state.pending.append(Waiting(decision: decision, sealed: sealed, continuation: continuation))
                    guard !state.draining else { return false }
                    state.draining = true
                    return true
                }
                if startDrain { Task { await self.drain() } }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Writes batches until nothing waits (one drain runs at a time).
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let taken = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if batch.isEmpty { return }
            let start = ContinuousClock.now
            defer { observe(ContinuousClock.now - start, batch.count) }
            do {
                let results = try await store.commit(batch.map(\.decision), sealed: batch.map(\.sealed))
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result.mapError { $0 as any Error }) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
