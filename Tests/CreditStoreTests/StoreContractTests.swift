import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

private let secret = try! StoreSecret(base64: Data(repeating: 9, count: 32).base64EncodedString())

/// The two backends every contract test runs on.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A store of either backend in a directory (or a throwaway PostgreSQL cluster) of its own,
/// migrated as the owner, opened as the service.
final class StoreFixture: @unchecked Sendable {
    let backend: Backend
    let directory: TemporaryDirectory
    let postgres: ThrowawayPostgres?

    init(_ backend: Backend) async throws {
        self.backend = backend
        directory = try TemporaryDirectory()
        postgres = backend == .postgres ? try ThrowawayPostgres() : nil
        if let postgres {
            let owner = try await PostgresDecisionStore.connect(try PostgresStoreConfiguration(url: postgres.url(owner: true)), secret: secret)
            defer { owner.close() }
            try await owner.migrate(serviceRole: "credit_service")
        }
    }

    var location: StoreLocation {
        get throws {
            guard let postgres else { return .sqlite(path: directory.path("store.sqlite")) }
            var configuration = try PostgresStoreConfiguration(url: postgres.url())
            // Under the whole suite on two cores, batches queued on the chain lock can wait longer
            // than the default 5 s; these tests are about the guarantees, not the timeout.
            configuration.statementTimeoutMilliseconds = 60_000
            return .postgres(configuration)
        }
    }

    /// A new store instance on the fixture's database (another replica, for PostgreSQL).
    func open() async throws -> any DecisionStorage {
        try await location.open(secret: secret, create: true)
    }

    /// Every problem `credit audit verify` would report, and the rows of each chain.
    func verify() async throws -> (problems: [String], rows: [Int]) {
        let reports: [AuditChain.ChainReport]
        switch try location {
        case .sqlite(let path): reports = try AuditChain.verify(path: path, secret: secret)
        case .postgres(let configuration):
            let store = try await PostgresDecisionStore.connect(configuration, secret: secret)
            defer { store.close() }
            reports = try await store.verify()
        }
        return (reports.flatMap { report in report.problems.map { "\(report.table): \($0)" } }, reports.map(\.rows))
    }
}

/// A decision with UUID ids; its response names the event and the body variant.
func contractDecision(_ event: Int, key: String? = nil, body: Int = 0, loan: Int? = nil, user: Int? = nil) -> NewDecision {
    let scoreId = UUID().uuidString.lowercased()
    return NewDecision(
        scoreId: scoreId, evaluationId: UUID().uuidString.lowercased(), createdAt: "2026-12-03T10:00:00.125Z", eventId: "evt-\(event)",
        loanId: "loan-\(loan ?? event % 4)", userId: "user-\(user ?? event % 7)", amount: 5_000_000 + Double(event), tenorMonths: event % 2 == 0 ? 12 : nil,
        applicationDate: "2026-12-03", modelId: "m", modelVersion: "1.0.0", modelSHA256: "a", score: 600 + Double(event) / 3,
        probabilityOfDefault: 0.01 + Double(event) / 1e5, grade: event % 3 == 0 ? nil : "B", policyId: "p", policyVersion: "1.0.0",
        policySHA256: "b", decision: "approve", ruleHitsJSON: "[]", reasonsJSON: "[\"r\(event)\"]",
        inputsJSON: Data("{\"fields\":{\"income\":\(event)},\"timestamp\":\"2026-12-03T10:00:00Z\"}".utf8),
        idempotencyKey: key ?? "loan-service/event:evt-\(event)", requestSHA256: "request-\(event)-\(body)", responseStatus: 201,
        responseBody: Data("{\"event\":\(event),\"score_id\":\"\(scoreId)\",\"variant\":\(body)}".utf8))
}

@Suite("Decision store contract: SQLite and PostgreSQL give the same guarantees")
struct StoreContractTests {
    @Test("a repeated key gets the stored response byte for byte; another body under it is a conflict; another key for a decided event is refused",
          arguments: Backend.allCases)
    func idempotency(backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = try await fixture.open()
        let first = contractDecision(1)
        let stored = try await store.commit([first], sealed: []).first?.get()
        #expect(stored?.body == first.responseBody)
        // The same request again (a retry: new ids, same key and request hash) gets the first answer.
        var retry = contractDecision(1)
        retry.requestSHA256 = first.requestSHA256
        #expect(try await store.commit([retry], sealed: []).first?.get().body == first.responseBody)
        let results = try await store.commit([contractDecision(1, body: 1), contractDecision(1, key: "loan-service/other", body: 2),
                                              contractDecision(1, key: "other-caller/event:evt-1")], sealed: [])
        let errors = results.map { result -> StoreError? in if case .failure(let error) = result { return error } else { return nil } }
        #expect(errors == [
            .idempotencyConflict(key: "loan-service/event:evt-1"), .eventAlreadyDecided(eventId: "evt-1"), .eventAlreadyDecided(eventId: "evt-1"),
        ])
        // The same request under another key of the same caller is the same decision.
        #expect(try await store.commit([contractDecision(1, key: "loan-service/other")], sealed: []).first?.get().body == first.responseBody)
        #expect(try await store.response(forKey: "loan-service/event:evt-1")?.body == first.responseBody)
        #expect(try await store.response(forKey: "loan-service/never") == nil)
        // Duplicates within one batch: the later ones replay the first as if it were stored.
        let fresh = contractDecision(5)
        var freshRetry = contractDecision(5)
        freshRetry.requestSHA256 = fresh.requestSHA256
        let inBatch = try await store.commit([fresh, freshRetry, contractDecision(5, body: 1), contractDecision(5, key: "loan-service/k5", body: 1)], sealed: [])
        #expect(try inBatch[0].get().body == fresh.responseBody)
        #expect(try inBatch[1].get().body == fresh.responseBody)
        #expect(throws: StoreError.idempotencyConflict(key: "loan-service/event:evt-5")) { try inBatch[2].get() }
        #expect(throws: StoreError.eventAlreadyDecided(eventId: "evt-5")) { try inBatch[3].get() }
        let verified = try await fixture.verify()
        #expect(verified.problems.isEmpty)
        #expect(verified.rows == [2, 2, 0])
    }

    @Test("responses by score id and by loan in pages; replay reads every decision's inputs", arguments: Backend.allCases)
    func reads(backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = try await fixture.open()
        let decisions = (1...9).map { contractDecision($0, loan: 1) }
        let results = try await store.commit(decisions, sealed: [])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(try await store.response(forScore: decisions[4].scoreId)?.body == decisions[4].responseBody)
        #expect(try await store.response(forScore: "not-a-uuid") == nil)
        let page1 = try await store.responses(forLoan: "loan-1", after: nil, limit: 4)
        let page2 = try await store.responses(forLoan: "loan-1", after: page1.next, limit: 4)
        let page3 = try await store.responses(forLoan: "loan-1", after: page2.next, limit: 4)
        #expect(page1.bodies + page2.bodies + page3.bodies == decisions.map(\.responseBody))
        #expect(page3.next == nil)
        let stored = try await store.storedDecisions()
        #expect(stored.map(\.scoreId) == decisions.map(\.scoreId))
        #expect(try stored.map { try $0.inputsJSON.get() } == decisions.map(\.inputsJSON))
        #expect(stored.map(\.createdAt) == decisions.map(\.createdAt))
        #expect(stored.map(\.tenorMonths) == decisions.map(\.tenorMonths))
        #expect(try stored.map { try $0.response.get().body } == decisions.map(\.responseBody))
    }

    @Test("two instances writing at once: one chain with no fork or gap, one decision per event, duplicates executed once",
          arguments: Backend.allCases)
    func concurrentWriters(backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let stores = [try await fixture.open(), try await fixture.open()]
        let events = 120
        // Every event is sent to both instances, in batches of 8, all at once.
        let answers = try await withThrowingTaskGroup(of: [(Int, Data)].self) { group in
            for (index, store) in stores.enumerated() {
                for start in stride(from: 1, through: events, by: 8) {
                    group.addTask {
                        let batch = (start..<min(start + 8, events + 1)).map { event in
                            var decision = contractDecision(event)
                            decision.responseBody.append(contentsOf: Array(" from \(index)".utf8))
                            return decision
                        }
                        let results = try await store.commit(batch, sealed: [])
                        return try zip(batch, results).map { decision, result in (Int(decision.eventId.dropFirst(4))!, try result.get().body) }
                    }
                }
            }
            var answers: [Int: Set<Data>] = [:]
            for try await batch in group { for (event, body) in batch { answers[event, default: []].insert(body) } }
            return answers
        }
        #expect(answers.count == events)
        #expect(answers.values.allSatisfy { $0.count == 1 }, "both instances answered each event with the one stored response")
        let verified = try await fixture.verify()
        #expect(verified.problems.isEmpty)
        #expect(verified.rows == [events, events, 0])
    }
}
