import CreditEngine
import CreditTestSupport
import Foundation
import Testing

private let policyPath = "models/policy-id-online-lending/1.0.0/policy.json"

private func shippedPolicyObject() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(policyPath)))) as! [String: Any]
}

/// Loads the shipped policy after `edit`, without its digest (so edits are allowed).
private func editedPolicy(_ edit: (inout [String: Any]) -> Void) throws -> Policy {
    var object = try shippedPolicyObject()
    object["contentSHA256"] = nil
    edit(&object)
    let file = try JSONDecoder().decode(PolicyFile.self, from: JSONSerialization.data(withJSONObject: object))
    return try Policy(file: file, source: "policy.json")
}

private func loadError(_ edit: (inout [String: Any]) -> Void) throws -> PolicyLoadError? {
    do {
        _ = try editedPolicy(edit)
        return nil
    } catch let error as PolicyLoadError {
        return error
    }
}

private func rule(_ object: inout [String: Any], _ index: Int, _ key: String, _ value: Any) {
    var rules = object["rules"] as! [[String: Any]]
    rules[index][key] = value
    object["rules"] = rules
}

@Suite("Risk engine")
struct RiskEngineTests {
    static let engine: RiskEngine = {
        let model = try! ModelBundle(
            jsonData: Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json"))),
            source: "model.json")
        let policy = try! Policy(jsonData: Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(policyPath))), source: "policy.json")
        return RiskEngine(model: model, policy: policy)
    }()

    /// A low-risk applicant (the scorecard gives PD 0.0485, grade A) with a DSR of 0.22.
    static let applicant: [String: FeatureValue] = [
        "age": .number(49), "monthly_income": .number(4_180_000), "monthly_debt_payments": .number(751_000),
        "active_platform_loans": .number(0), "delinquencies_12m": .number(0), "inquiries_30d": .number(3),
        "employment_type": .category("salaried"), "ktp_verified": .category("true"), "on_watchlist": .category("false"),
        "pefindo_score": .number(711), "slik_kol_worst_12m": .number(1),
        "status_of_existing_checking_account": .category("no checking account"), "duration_in_month": .number(12),
        "credit_history": .category("critical account/ other credits existing (not at this bank)"), "purpose": .category("education"),
        "credit_amount": .number(2096), "savings_account_and_bonds": .category("... < 100 DM"),
        "present_employment_since": .category("4 <= ... < 7 years"), "installment_rate_in_percentage_of_disposable_income": .number(2),
        "property": .category("real estate"), "age_in_years": .number(49), "other_installment_plans": .category("none"),
        "housing": .category("own"),
    ]

    func decide(_ changes: [String: FeatureValue] = [:], amount: Double = 2_096_000, tenor: Double? = 12, on date: String = "2026-03-02")
        throws -> Decision
    {
        let fields = Self.applicant.merging(changes) { $1 }
        return try Self.engine.decide(Application(amount: amount, tenorMonths: tenor, date: CalendarDay(iso: date)!, fields: fields))
    }

    @Test("a clean application is approved with the grade's limits and no reasons")
    func approve() throws {
        let decision = try decide()
        #expect(decision.outcome == .approve)
        #expect(decision.grade == "A" && decision.maxAmount == 12_000_000 && decision.maxTenorMonths == 12)
        #expect(decision.ruleHits.isEmpty && decision.reasons.isEmpty)
        #expect(decision.bureaus["slik"] == .record(value: 1, probabilityOfDefault: 0.04))
    }

    @Test("the DSR cap is the one in force on the application date")
    func effectiveDates() throws {
        let debt: [String: FeatureValue] = ["monthly_debt_payments": .number(1_200_000)]  // DSR 0.329
        #expect(try decide(debt, on: "2025-12-31").outcome == .approve)
        let decision = try decide(debt, on: "2026-01-01")
        #expect(decision.outcome == .decline && decision.ruleHits.map(\.ruleId) == ["KO-DSR"])
        #expect(decision.reasons.first?.english == "Debt service ratio above 30% of income")
        #expect(decision.reasons.first?.indonesian == "Rasio cicilan utang di atas 30% penghasilan")
    }

    @Test("knock-outs come first in the reasons, then the scorecard's, at most four")
    func reasons() throws {
        let decision = try decide(["age": .number(17), "on_watchlist": .category("true"), "active_platform_loans": .number(4)])
        #expect(decision.outcome == .decline)
        #expect(decision.reasons.count == RiskEngine.maximumReasons)
        #expect(decision.reasons.prefix(3).map(\.code) == ["P01", "P02", "P06"])
        #expect(decision.reasons[3].source == .model)
    }

    @Test("missing data and failed dependencies never approve")
    func neverApprovesOnMissing() throws {
        let unavailable = try decide(["pefindo_score": .missing])
        #expect(unavailable.outcome == .refer && unavailable.reasons.first?.code == "OPS-BUREAU-UNAVAILABLE")
        let noIncome = try decide(["monthly_income": .missing])
        #expect(noIncome.outcome == .refer)
        #expect(noIncome.reasons.first?.code == "OPS-MISSING-INPUT" && noIncome.reasons.first?.source == .operational)
        let noTenor = try decide(tenor: nil)
        #expect(noTenor.outcome == .refer)
        for field in Self.applicant.keys {
            let decision = try decide([field: .missing])
            #expect(decision.outcome != .approve || ["inquiries_30d", "slik_kol_worst_12m"].contains(field) || Self.engine.model.model.features.contains { $0.name == field },
                    "missing \(field) approved")
        }
    }

    @Test("no record is a thin file, not a bad record")
    func noRecord() throws {
        let thin = try decide(["pefindo_score": .category("no_record"), "slik_kol_worst_12m": .category("no_record")])
        #expect(thin.outcome == .refer && thin.ruleHits.map(\.ruleId) == ["REF-THIN-FILE"])
        #expect(thin.bureaus["pefindo"] == .noRecord)
        #expect(try decide(["pefindo_score": .category("no_record")]).outcome == .approve)
    }

    @Test("values of the wrong type or out of range are errors naming the field")
    func invalidInput() throws {
        #expect(throws: ApplicationError(field: "pefindo_score", problem: "is outside the bureau's range 250.0–900.0")) {
            try decide(["pefindo_score": .number(950)])
        }
        #expect(throws: ApplicationError(field: "age", problem: "is not a number")) { try decide(["age": .category("abc")]) }
        #expect(throws: ApplicationError.self) { try decide(["employment_type": .category("pilot")]) }
        #expect(throws: ApplicationError.self) { try decide(["ktp_verified": .category("maybe")]) }
        #expect(throws: ApplicationError(field: "amount", problem: "must be a positive number")) { try decide(amount: -5) }
    }

    @Test("decisions are deterministic")
    func deterministic() throws {
        let first = try decide(["slik_kol_worst_12m": .number(2)])
        for _ in 0..<3 { #expect(try decide(["slik_kol_worst_12m": .number(2)]) == first) }
    }
}

@Suite("Policy files")
struct PolicyFileTests {
    @Test("the shipped policy loads, its digest verifies, and its tables have no gap for present inputs")
    func shipped() throws {
        let policy = try Policy(jsonData: Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(policyPath))), source: "policy.json")
        #expect(policy.rules.count == 20)
        for report in policy.checkTables() {
            #expect(report.notChecked == nil)
            let present = report.findings.filter { !$0.involvesMissing }
            #expect(present.isEmpty, "\(present)")
        }
    }

    @Test("an edited file fails its digest")
    func tampered() throws {
        var text = try String(contentsOfFile: RepositoryPaths.path(policyPath), encoding: .utf8)
        text = text.replacingOccurrences(of: "monthly_income < 3000000", with: "monthly_income < 300000")
        #expect(throws: PolicyLoadError.self) { try Policy(jsonData: Data(text.utf8), source: "policy.json") }
    }

    @Test("errors name the rule, its JSON path and the column")
    func errors() throws {
        let syntax = try loadError { rule(&$0, 2, "when", "monthly_income < ") }
        #expect(syntax == PolicyLoadError(source: "policy.json", path: "rules[2].when", rule: "KO-INCOME", column: 18, problem: "unexpected end of expression"))
        let unknown = try loadError { rule(&$0, 0, "when", "age < 18 or salary > 5") }
        #expect(unknown?.rule == "KO-AGE" && unknown?.column == 13 && unknown?.problem == "unknown field 'salary'")
        let types = try loadError { rule(&$0, 0, "when", "employment_type > 3") }
        #expect(types?.problem == "cannot compare a string with a number")
        let duplicate = try loadError { rule(&$0, 1, "id", "KO-AGE") }
        #expect(duplicate?.path == "rules[1].id" && duplicate?.problem == "duplicates rules[0] with overlapping effective dates")
        let overlapping = try loadError { rule(&$0, 4, "effectiveFrom", "2025-12-01") }
        #expect(overlapping?.rule == "KO-DSR" && overlapping?.path == "rules[4].id")
        let date = try loadError { rule(&$0, 3, "effectiveFrom", "2025-13-01") }
        #expect(date?.path == "rules[3].effectiveFrom")
        let outcome = try? editedPolicy { rule(&$0, 0, "outcome", "maybe") }
        #expect(outcome == nil)
        let grades = try loadError { $0["grades"] = [["grade": "A", "maxPD": 0.5], ["grade": "B", "maxPD": 0.4]] }
        #expect(grades?.path == "grades[1].maxPD")
    }
}
