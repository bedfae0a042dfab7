import CreditAudit
import CreditEngine
import CreditStore
import Foundation
import Metrics
import Synchronization

/// An API error, rendered as RFC 9457 `application/problem+json`.
struct APIProblem: Error {
    var status: Int
    var slug: String
    var title: String
    var detail: String
    var errors: [FieldProblem] = []
    var retryAfterSeconds: Int?

    /// The problem a failed read of a stored response gives: 500 when the stored bytes fail their
    /// integrity check (they are never served), 503 when the store cannot be read.
    static func storeRead(_ error: StoreError) -> APIProblem {
        if case .integrity = error {
            return APIProblem(status: 500, slug: "integrity", title: "Stored decision failed its integrity check",
                              detail: "the stored response does not match the audit trail; it is not served")
        }
        return APIProblem(status: 503, slug: "store-unavailable", title: "The decision store is unavailable", detail: "try again later")
    }
}

/// What `POST /api/v1/scores` does, without HTTP: validate, deduplicate, decide, store.
final class ScoreService: Sendable {
    let engine: RiskEngine
    let store: any DecisionStorage
    private let committer: GroupCommitter
    private let knownFeatures: Set<String>
    private let knownBureauInputs: Set<String>
    private let inFlight = InFlight()
    /// `credit_decisions_total{outcome}`, one counter per outcome.
    private let decisionCounters: [Decision.Outcome: Counter]
    /// `credit_requests_in_flight`: score requests being worked on.
    private let inFlightGauge = Meter(label: "credit_requests_in_flight")

    init(engine: RiskEngine, store: any DecisionStorage) {
        self.engine = engine
        self.store = store
        let commitTimer = Metrics.Timer(label: "credit_store_commit_seconds", preferredDisplayUnit: .seconds)
        committer = GroupCommitter(store: store) { duration, _ in commitTimer.record(duration: duration) }
        var features = Set(engine.model.model.features.map(\.name))
        features.formUnion(engine.policy.file.inputs.map(\.name))
        knownFeatures = features
        knownBureauInputs = Set(engine.policy.bureaus.map(\.input))
        decisionCounters = Dictionary(uniqueKeysWithValues: Decision.Outcome.allCases.map { outcome in
            (outcome, Counter(label: "credit_decisions_total", dimensions: [("outcome", outcome.rawValue)]))
        })
    }

    /// Scores one request for `caller` (an API key id or a token's subject).
    ///
    /// Idempotency, per caller: the key is the `Idempotency-Key` header, else the event id, and
    /// lives in the caller's own namespace, so no caller can block or read another's. The same
    /// key and body (compared as canonical JSON, so a re-serialised retry matches) return the
    /// stored response byte for byte, even after a redeploy whose model would now refuse the
    /// body; another body under the key is refused (422). One `event_id` gives one decision
    /// whatever the key: another key, or another caller, for a decided event gets 409.
    /// Concurrent requests with one key run once.
    func score(body: Data, idempotencyKey: String?, caller: String) async throws(APIProblem) -> StoredResponse {
        inFlightGauge.increment()
        defer { inFlightGauge.decrement() }
        if let key = idempotencyKey, !SafeIdentifier.isValid(key) {
            throw APIProblem(status: 422, slug: "invalid-idempotency-key", title: "Invalid Idempotency-Key",
                             detail: "Idempotency-Key \(SafeIdentifier.rule)",
                             errors: [FieldProblem(field: "Idempotency-Key", problem: SafeIdentifier.rule)])
        }
        let rawHash = ContentDigest.sha256Hex(body)
        let request: ScoreRequest
        switch ScoreRequest.parse(body, knownFeatures: knownFeatures, knownBureauInputs: knownBureauInputs) {
        case .success(let parsed): request = parsed
        case .failure(let failure):
            let refusal = APIProblem(status: 422, slug: "invalid-request", title: "The request body is invalid", detail: failure.detail, errors: failure.problems)
            // A retry of a request this service already answered gets that answer, whatever the
            // model loaded now would say of the body.
            if let identity = ScoreRequest.identity(of: body), let key = idempotencyKey ?? identity.eventId.map({ "event:\($0)" }) {
                let stored: StoredResponse?
                do throws(StoreError) { stored = try await store.response(forKey: Self.scoped(key, caller: caller)) } catch { throw APIProblem.storeRead(error) }
                if let stored, stored.requestSHA256 == identity.canonicalSHA256 || stored.requestSHA256 == rawHash { return stored }
            }
            throw refusal
        }
        let key = Self.scoped(idempotencyKey ?? "event:\(request.eventId)", caller: caller)
        let requestHash = request.canonicalSHA256
        let response: StoredResponse
        do {
            response = try await inFlight.run(key: key) { () async throws(APIProblem) -> StoredResponse in
                do {
                    // A repeated key is found in the write transaction, which returns the stored
                    // response instead of storing this one.
                    return try await self.decideAndStore(request, key: key, requestHash: requestHash, rawHash: rawHash)
                } catch let problem as APIProblem {
                    // A stored response stands even where this engine would now refuse the input
                    // (a model or policy changed since it was stored).
                    let stored: StoredResponse?
                    do throws(StoreError) { stored = try await self.store.response(forKey: key) } catch { throw APIProblem.storeRead(error) }
                    if let stored { return stored }
                    throw problem
                } catch let error as StoreError {
                    switch error {
                    case .idempotencyConflict:
                        throw APIProblem(status: 422, slug: "idempotency-conflict", title: "Idempotency key reused",
                                         detail: "this idempotency key was already used with a different request body")
                    case .eventAlreadyDecided:
                        throw APIProblem(status: 409, slug: "event-already-decided", title: "Event already decided",
                                         detail: "this event_id was already decided under another idempotency key or caller")
                    default:
                        throw APIProblem.storeRead(error)
                    }
                } catch let error as APIProblem {
                    throw error
                } catch {
                    throw APIProblem(status: 500, slug: "internal", title: "Internal error", detail: "the request could not be completed")
                }
            }
        } catch let problem as APIProblem {
            throw problem
        } catch {
            throw APIProblem(status: 500, slug: "internal", title: "Internal error", detail: "the request could not be completed")
        }
        guard response.requestSHA256 == requestHash || response.requestSHA256 == rawHash else {
            throw APIProblem(status: 422, slug: "idempotency-conflict", title: "Idempotency key reused",
                             detail: "this idempotency key was already used with a different request body")
        }
        return response
    }

    /// An idempotency key in `caller`'s namespace: `caller/key` (keys hold no `/`).
    static func scoped(_ key: String, caller: String) -> String { "\(caller)/\(key)" }

    private func decideAndStore(_ request: ScoreRequest, key: String, requestHash: String, rawHash: String) async throws -> StoredResponse {
        let decision: Decision
        do {
            decision = try engine.decide(Application(amount: request.amount, tenorMonths: request.tenorMonths, date: request.date, fields: request.fields))
        } catch {
            let path = engine.policy.bureaus.contains { $0.input == error.field } ? "bureau.\(error.field)" : "features.\(error.field)"
            throw APIProblem(status: 422, slug: "invalid-request", title: "The request body is invalid", detail: "\(path) \(error.problem)",
                             errors: [FieldProblem(field: path, problem: error.problem)])
        }
        let scoreId = UUID().uuidString.lowercased()
        let evaluationId = UUID().uuidString.lowercased()
        let createdAt = Self.utcTimestamp()
        let body = ScoreResponse(
            scoreId: scoreId, evaluationId: evaluationId, createdAt: createdAt, request: request, decision: decision, engine: engine)
        let bytes = Data(try body.jsonText())
        var inputs: [String: FeatureValue] = request.fields
        for (name, value) in request.applicant { inputs["applicant.\(name)"] = .category(value) }
        var ruleHits = JSONTextWriter()
        ScoreResponse.write(body.ruleHits, to: &ruleHits)
        var reasons = JSONTextWriter()
        ScoreResponse.write(body.reasons, to: &reasons)
        let stored = try await committer.record(NewDecision(
            scoreId: scoreId, evaluationId: evaluationId, createdAt: createdAt, eventId: request.eventId, loanId: request.loanId,
            userId: request.userId, amount: request.amount, tenorMonths: request.tenorMonths, applicationDate: request.date.description,
            modelId: engine.model.file.modelId, modelVersion: engine.model.file.modelVersion, modelSHA256: engine.model.contentSHA256,
            score: decision.score, probabilityOfDefault: decision.probabilityOfDefault, grade: decision.grade,
            policyId: engine.policy.file.policyId, policyVersion: engine.policy.file.policyVersion,
            policySHA256: engine.policy.file.contentSHA256 ?? "", decision: decision.outcome.rawValue,
            ruleHitsJSON: String(decoding: try ruleHits.text(), as: UTF8.self),
            reasonsJSON: String(decoding: try reasons.text(), as: UTF8.self),
            inputsJSON: Data(try StoredInputs(timestamp: request.timestamp, fields: inputs).jsonText()),
            idempotencyKey: key, requestSHA256: requestHash, responseStatus: 201, responseBody: bytes, legacyRequestSHA256: rawHash))
        if stored.body == bytes { decisionCounters[decision.outcome]?.increment() }
        return stored
    }

    /// UTC with milliseconds (`2026-11-25T09:47:41.498Z`).
    static func utcTimestamp() -> String { timestampStyle.format(Date()) }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
}

/// The inputs kept (encrypted) with a decision, enough to replay it.
struct StoredInputs: Codable {
    var timestamp: String
    var fields: [String: FeatureValue]

    /// The JSON `JSONEncoder` writes with sorted keys, written directly (the tests compare them).
    func jsonText() throws -> [UInt8] {
        var json = JSONTextWriter(capacity: 1024)
        json.beginObject()
        json.key("fields")
        json.beginObject()
        for (name, value) in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            json.key(name)
            switch value {
            case .number(let number): json.number(number)
            case .category(let label): json.string(label)
            case .missing: json.null()
            }
        }
        json.endObject()
        json.key("timestamp")
        json.string(timestamp)
        json.endObject()
        return try json.text()
    }
}

/// Runs one operation per key at a time; callers with the same key while it runs wait for its
/// result (or its error) instead of running it again. The first caller runs it in its own task.
final class InFlight: Sendable {
    private let running = Mutex<[String: [CheckedContinuation<StoredResponse?, any Error>]]>([:])

    func run(key: String, _ operation: () async throws -> StoredResponse) async throws -> StoredResponse {
        // Either wait on the caller already running `key`, or become that caller (resumed at once with nil).
        let joined = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<StoredResponse?, any Error>) in
            let waits = running.withLock { running -> Bool in
                guard running[key] != nil else {
                    running[key] = []
                    return false
                }
                running[key]!.append(continuation)
                return true
            }
            if !waits { continuation.resume(returning: nil) }
        }
        if let joined { return joined }
        let result: Result<StoredResponse, any Error>
        do {
            result = .success(try await operation())
        } catch {
            result = .failure(error)
        }
        let waiters = running.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.resume(with: result.map(Optional.some)) }
        return try result.get()
    }
}
