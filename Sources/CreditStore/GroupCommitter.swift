import Foundation
import Synchronization

/// Group commit: decisions arriving while a transaction is being synced to disk wait and go
/// together in the next one, so the store syncs once per batch instead of once per decision.
/// Each caller still returns only after its own decision is on disk. The writes run on one
/// dedicated thread, never on the concurrency pool.
public final class GroupCommitter: Sendable {
    private struct Waiting {
        var decision: NewDecision
        /// Its inputs, sealed on the caller's thread.
        var sealed: SealedInputs?
        var continuation: CheckedContinuation<StoredResponse, any Error>
    }

    private let store: DecisionStore
    /// Told the duration and size of every committed (or failed) batch, for metrics.
    private let observe: @Sendable (_ duration: Duration, _ decisions: Int) -> Void
    private let queue = DispatchQueue(label: "creditengine.store.commit")
    private let state = Mutex<(pending: [Waiting], draining: Bool)>(([], false))
    /// The largest batch written in one transaction.
    public static let maximumBatch = 256

    /// A committer for `store`; `observe` is called on the commit thread after each batch.
    public init(store: DecisionStore, observe: @escaping @Sendable (_ duration: Duration, _ decisions: Int) -> Void = { _, _ in }) {
        self.store = store
        self.observe = observe
    }

    /// Stores `decision` in the next transaction and returns once it is committed.
    /// - Throws: ``StoreError``.
    public func record(_ decision: NewDecision) async throws(StoreError) -> StoredResponse {
        // The encryption runs here, on the caller's thread, not on the one that writes.
        let sealed = store.seal(decision)
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let startDrain = state.withLock { state -> Bool in
                    state.pending.append(Waiting(decision: decision, sealed: sealed, continuation: continuation))
                    guard !state.draining else { return false }
                    state.draining = true
                    return true
                }
                if startDrain { queue.async { self.drain() } }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Writes batches until nothing waits (runs on `queue`).
    private func drain() {
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
                let results = try store.record(batch.map(\.decision), sealed: batch.map(\.sealed))
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result.mapError { $0 as any Error }) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
