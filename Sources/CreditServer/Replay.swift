public import CreditEngine
public import CreditStore
import Foundation

/// Re-evaluates stored decisions with the model and policy they were made with and confirms the
/// outputs are identical (decision, score, PD and rule hits).
public enum Replay {
    public struct Report: Sendable {
        /// Decisions re-evaluated and found identical.
        public var identical = 0
        /// Decisions whose replay differs: score id and what differs.
        public var differing: [(scoreId: String, problem: String)] = []
        /// Decisions made with another model or policy version than the ones supplied.
        public var otherVersions = 0
    }

    /// Replays every decision of `store` made with `engine`'s exact model and policy (by digest).
    public static func run(store: DecisionStore, engine: RiskEngine) throws(StoreError) -> Report {
        var report = Report()
        let policyDigest = engine.policy.file.contentSHA256 ?? ""
        for stored in try store.storedDecisions() {
            guard stored.modelSHA256 == engine.model.contentSHA256, stored.policySHA256 == policyDigest else {
                report.otherVersions += 1
                continue
            }
            guard let inputs = try? JSONDecoder().decode(StoredInputs.self, from: stored.inputsJSON),
                let date = CalendarDay(iso: stored.applicationDate)
            else {
                report.differing.append((stored.scoreId, "the stored inputs cannot be read"))
                continue
            }
            let fields = inputs.fields.filter { !$0.key.hasPrefix("applicant.") }
            let decision: Decision
            do {
                decision = try engine.decide(Application(amount: stored.amount, tenorMonths: stored.tenorMonths, date: date, fields: fields))
            } catch {
                report.differing.append((stored.scoreId, "now refused: \(error)"))
                continue
            }
            let hits = decision.ruleHits.map(\.ruleId)
            let storedHits = ((try? JSONSerialization.jsonObject(with: Data(stored.ruleHitsJSON.utf8))) as? [[String: Any]] ?? [])
                .compactMap { $0["rule_id"] as? String }
            var problems: [String] = []
            if decision.outcome.rawValue != stored.decision { problems.append("decision \(decision.outcome.rawValue), stored \(stored.decision)") }
            if decision.score != stored.score { problems.append("score \(decision.score.map { "\($0)" } ?? "none"), stored \(stored.score.map { "\($0)" } ?? "none")") }
            if decision.probabilityOfDefault != stored.probabilityOfDefault { problems.append("PD differs") }
            if hits != storedHits { problems.append("rule hits \(hits), stored \(storedHits)") }
            if problems.isEmpty { report.identical += 1 } else { report.differing.append((stored.scoreId, problems.joined(separator: "; "))) }
        }
        return report
    }
}
