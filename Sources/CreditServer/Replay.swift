public import CreditEngine
public import CreditStore
import Foundation

/// Re-evaluates stored decisions with the model and policy they were made with and confirms that
/// the full response the Loan service was given (decision, score, PD, grade, limits, reasons, rule
/// hits) is rebuilt byte for byte. Every row is reported: identical, differing, undecryptable,
/// erased at the person's request, or made with other versions.
public enum Replay {
    public struct Report: Sendable {
        /// Decisions re-evaluated and found identical.
        public var identical = 0
        /// Decisions whose replay differs: score id and what differs.
        public var differing: [(scoreId: String, problem: String)] = []
        /// Decisions whose stored inputs cannot be decrypted (a wrong key, an altered row, a key
        /// deleted without an erasure): score id and why.
        public var undecryptable: [(scoreId: String, problem: String)] = []
        /// Decisions whose inputs were erased at the person's request (a recorded erasure): they
        /// cannot be re-evaluated, and that is no fault of the store.
        public var erased: [String] = []
        /// Decisions made with another model or policy version than the ones supplied.
        public var otherVersions = 0
    }

    /// Replays every decision of `store` made with `engine`'s exact model and policy (by digest).
    /// - Throws: ``CreditStore/StoreError`` when the store cannot be read at all.
    public static func run(store: any DecisionStorage, engine: RiskEngine) async throws(StoreError) -> Report {
        var report = Report()
        let policyDigest = engine.policy.file.contentSHA256 ?? ""
        for stored in try await store.storedDecisions() {
            if case .failure(.erased) = stored.inputsJSON {
                report.erased.append(stored.scoreId)
                continue
            }
            guard stored.modelSHA256 == engine.model.contentSHA256, stored.policySHA256 == policyDigest else {
                report.otherVersions += 1
                continue
            }
            let inputsJSON: Data
            switch stored.inputsJSON {
            case .success(let data): inputsJSON = data
            case .failure(let error):
                report.undecryptable.append((stored.scoreId, error.description))
                continue
            }
            switch compare(stored, inputsJSON: inputsJSON, engine: engine) {
            case nil: report.identical += 1
            case let problem?: report.differing.append((stored.scoreId, problem))
            }
        }
        return report
    }

    /// What differs between a stored decision and its replay, or nil when they are identical.
    private static func compare(_ stored: StoredDecision, inputsJSON: Data, engine: RiskEngine) -> String? {
        guard let inputs = try? JSONDecoder().decode(StoredInputs.self, from: inputsJSON), let date = CalendarDay(iso: stored.applicationDate)
        else { return "the stored inputs cannot be read" }
        let fields = inputs.fields.filter { !$0.key.hasPrefix("applicant.") }
        let decision: Decision
        do {
            decision = try engine.decide(Application(amount: stored.amount, tenorMonths: stored.tenorMonths, date: date, fields: fields))
        } catch {
            return "now refused: \(error.field) \(error.problem)"
        }
        var problems: [String] = []
        if decision.outcome.rawValue != stored.decision { problems.append("decision \(decision.outcome.rawValue), stored \(stored.decision)") }
        if decision.score != stored.score { problems.append("score \(decision.score.map { "\($0)" } ?? "none"), stored \(stored.score.map { "\($0)" } ?? "none")") }
        if decision.probabilityOfDefault != stored.probabilityOfDefault { problems.append("PD differs") }
        switch stored.response {
        case .failure(let error):
            problems.append("\(error)")
        case .success(let response):
            let rebuilt = ScoreResponse(
                scoreId: stored.scoreId, evaluationId: stored.evaluationId, createdAt: stored.createdAt, eventId: stored.eventId,
                loanId: stored.loanId, decision: decision, engine: engine)
            if response.status != 201 || (try? rebuilt.jsonText()).map({ Data($0) }) != response.body {
                problems.append("the stored response differs from the replayed one (decision, limits, reasons or rule hits)")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}
