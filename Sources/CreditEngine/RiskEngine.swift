public import CreditCore
public import CreditRules
import CreditModels

/// One loan application to decide: the request and the applicant's values by field name
/// (model features, policy inputs and raw bureau values).
public struct Application: Sendable {
    /// Requested amount.
    public var amount: Double
    /// Requested tenor in months, if given.
    public var tenorMonths: Double?
    /// The application date: rules apply by it, never by the clock.
    public var date: CalendarDay
    /// Values by field name; a field that is absent counts as missing.
    public var fields: [String: FeatureValue]

    public init(amount: Double, tenorMonths: Double?, date: CalendarDay, fields: [String: FeatureValue]) {
        self.amount = amount
        self.tenorMonths = tenorMonths
        self.date = date
        self.fields = fields
    }
}

/// What the engine decided, and why.
public struct Decision: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable { case approve, refer, decline }

    /// Where a reason comes from.
    public enum ReasonSource: String, Sendable, Codable {
        /// A policy rule or cut-off.
        case policy
        /// The scorecard: the characteristics that cost the most points.
        case model
        /// Something the engine could not do (missing input, bureau unavailable).
        case operational
    }

    /// A principal reason, with texts in English and Bahasa Indonesia.
    public struct Reason: Sendable, Equatable {
        public var code: String
        public var source: ReasonSource
        public var english: String
        public var indonesian: String
    }

    public var outcome: Outcome
    /// Model outputs; nil when the model could not score the application.
    public var probabilityOfDefault: Double?
    public var score: Double?
    public var grade: String?
    /// From the policy's decision tables (`max_amount`, `max_tenor_months` outputs), if any.
    public var maxAmount: Double?
    public var maxTenorMonths: Double?
    /// Every decision-table output by name.
    public var tableOutputs: [String: FeatureValue]
    /// Every rule that hit, in policy order.
    public var ruleHits: [RuleHit]
    /// At most ``RiskEngine/maximumReasons`` principal reasons, most decisive first.
    public var reasons: [Reason]
    /// Each bureau's normalized answer.
    public var bureaus: [String: BureauCalibrator.Answer]
}

/// Input the engine cannot use at all (as opposed to missing input, which it refers).
public struct ApplicationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "field '\(field)': \(problem)" }
}

/// The risk engine: knock-out rules, model score, bureau normalization, decision tables and
/// cut-offs, combined into one decision with reasons.
///
/// Order of precedence: any `decline` rule declines; otherwise any `refer` rule or operational
/// problem (a required input missing, a bureau that gave no answer, a model that could not
/// score, a table with no answer) refers — missing data never approves; otherwise the PD
/// cut-offs approve, refer or decline.
public struct RiskEngine: Sendable {
    /// The most principal reasons a decision carries.
    public static let maximumReasons = 4

    public let model: ModelBundle
    public let policy: Policy

    public init(model: ModelBundle, policy: Policy) {
        self.model = model
        self.policy = policy
    }

    /// `model@version+policy@version`, the pair a decision is pinned to.
    public var reference: String { "\(model.reference)+\(policy.reference)" }

    /// One application on its way through the steps of ``decide(_:)``: the policy's row of
    /// values, and the operational problems found so far (each makes the decision a referral).
    private struct Evaluation {
        var row: RuleRow
        var operational: [Decision.Reason] = []
    }

    /// Decides one application. Deterministic: no clock, no randomness. The steps: the request
    /// and the declared inputs, the bureaus, the model, the decision tables, the rules, and the
    /// outcome with its reasons.
    /// - Throws: ``ApplicationError`` for a value of the wrong type or a bureau value out of
    ///   range — input to reject, not to decide.
    public func decide(_ application: Application) throws(ApplicationError) -> Decision {
        var evaluation = Evaluation(row: RuleRow(schema: policy.schema))
        try readInputs(application, into: &evaluation)
        let bureaus = try readBureaus(application, into: &evaluation)
        let (scored, grade) = try score(application, into: &evaluation)
        let tableOutputs = runTables(into: &evaluation)
        let hits = policy.hits(evaluation.row, on: application.date)
        let (outcome, reasons) = outcome(hits: hits, operational: evaluation.operational, scored: scored)
        return Decision(
            outcome: outcome, probabilityOfDefault: scored?.probabilityOfDefault, score: scored?.score, grade: grade,
            maxAmount: Self.number(tableOutputs["max_amount"]), maxTenorMonths: Self.number(tableOutputs["max_tenor_months"]),
            tableOutputs: tableOutputs, ruleHits: hits, reasons: reasons, bureaus: bureaus)
    }

    /// The request's amount and tenor, and every input the policy declares.
    private func readInputs(_ application: Application, into evaluation: inout Evaluation) throws(ApplicationError) {
        guard application.amount.isFinite, application.amount > 0 else {
            throw ApplicationError(field: "amount", problem: "must be a positive number")
        }
        let slots = policy.slots
        evaluation.row.set(slots.amount, number: application.amount)
        evaluation.row.set(slots.tenorMonths, number: application.tenorMonths ?? .nan)
        for input in slots.inputs {
            let value = application.fields[input.name] ?? .missing
            do { try evaluation.row.set(input.slot, to: value) } catch { throw ApplicationError(field: input.name, problem: error.description) }
            if let allowed = input.values, case .category(let text) = value, !allowed.contains(text) {
                throw ApplicationError(field: input.name, problem: "is not one of \(allowed.sorted().joined(separator: ", "))")
            }
            if input.required, value == .missing {
                evaluation.operational.append(Self.operational(
                    "OPS-MISSING-INPUT", "required input '\(input.name)' is missing", "data wajib '\(input.name)' tidak ada"))
            }
        }
    }

    /// Each bureau's answer normalized to the PD scale; an unavailable bureau is operational.
    private func readBureaus(_ application: Application, into evaluation: inout Evaluation) throws(ApplicationError) -> [String: BureauCalibrator.Answer] {
        var bureaus: [String: BureauCalibrator.Answer] = [:]
        for (bureau, slots) in zip(policy.bureaus, policy.slots.bureaus) {
            let answer: BureauCalibrator.Answer
            do { answer = try bureau.answer(for: application.fields[bureau.input] ?? .missing) } catch {
                throw ApplicationError(field: bureau.input, problem: error.description)
            }
            bureaus[bureau.id] = answer
            switch answer {
            case .record(let value, let pd):
                evaluation.row.set(slots.status, text: "record")
                evaluation.row.set(slots.value, number: value)
                evaluation.row.set(slots.probabilityOfDefault, number: pd)
                evaluation.row.set(slots.score, number: model.file.scaling.score(linearPredictor: LogisticModel.linearPredictor(probability: pd)))
            case .noRecord:
                evaluation.row.set(slots.status, text: "no_record")
            case .unavailable:
                evaluation.row.set(slots.status, text: "unavailable")
                evaluation.operational.append(Self.operational(
                    "OPS-BUREAU-UNAVAILABLE", "bureau '\(bureau.id)' gave no answer", "biro kredit '\(bureau.id)' tidak memberi jawaban"))
            }
        }
        return bureaus
    }

    /// The model's score, PD and grade; a missing model input is operational (no score).
    private func score(_ application: Application, into evaluation: inout Evaluation) throws(ApplicationError) -> (ScoreResult?, String?) {
        let scored: ScoreResult
        do { scored = try model.score(application.fields, reasonLimit: Self.maximumReasons) } catch {
            let feature = model.model.features[error.featureIndex].name
            guard error.reason == .missingValue else { throw ApplicationError(field: feature, problem: "\(error.reason)") }
            evaluation.operational.append(Self.operational(
                "OPS-MODEL-INPUT", "the model needs '\(feature)', which is missing", "model memerlukan '\(feature)', yang tidak ada"))
            return (nil, nil)
        }
        let grade = policy.grade(of: scored.probabilityOfDefault)
        let slots = policy.slots
        evaluation.row.set(slots.score, number: scored.score)
        evaluation.row.set(slots.probabilityOfDefault, number: scored.probabilityOfDefault)
        evaluation.row.set(slots.grade, text: grade)
        return (scored, grade)
    }

    /// The decision tables' outputs by name (rules may read them); a table without an answer is operational.
    private func runTables(into evaluation: inout Evaluation) -> [String: FeatureValue] {
        var outputs: [String: FeatureValue] = [:]
        for (table, result) in zip(policy.tables, policy.applyTables(to: &evaluation.row)) {
            for (output, value) in zip(table.outputs, result.values) { outputs[output.name] = value }
            if let problem = result.problem {
                evaluation.operational.append(Self.operational("OPS-TABLE", problem, "tabel keputusan '\(table.id)' tidak memberi jawaban"))
            }
        }
        return outputs
    }

    /// The outcome by precedence (decline rules, then referrals and operational problems, then
    /// the PD cut-offs), and at most ``maximumReasons`` reasons, most decisive first.
    private func outcome(hits: [RuleHit], operational: [Decision.Reason], scored: ScoreResult?) -> (Decision.Outcome, [Decision.Reason]) {
        var reasons: [Decision.Reason] = []
        let outcome: Decision.Outcome
        let declines = hits.filter { $0.outcome == .decline }
        let referrals = hits.filter { $0.outcome == .refer }
        let pd = scored?.probabilityOfDefault ?? .nan
        let cutoffs = policy.file.cutoffs
        if !declines.isEmpty {
            outcome = .decline
            reasons = declines.map(Self.reason)
        } else if !referrals.isEmpty || !operational.isEmpty {
            outcome = .refer
            reasons = operational + referrals.map(Self.reason)
        } else if pd >= cutoffs.declineMinPD {
            outcome = .decline
            reasons = [Decision.Reason(code: cutoffs.declineReason, source: .policy, english: cutoffs.declineText.en, indonesian: cutoffs.declineText.id)]
        } else if pd <= cutoffs.approveMaxPD {
            outcome = .approve
        } else {
            outcome = .refer
            reasons = [Decision.Reason(
                code: "PD-GREY-ZONE", source: .policy, english: "PD between the approve and decline cut-offs",
                indonesian: "PD di antara batas setuju dan tolak")]
        }
        if outcome != .approve {
            reasons += (scored?.reasons ?? []).map { Decision.Reason(code: $0.code, source: .model, english: $0.english, indonesian: $0.indonesian) }
        }
        var seen: Set<String> = []
        return (outcome, Array(reasons.filter { seen.insert($0.code).inserted }.prefix(Self.maximumReasons)))
    }

    /// A table output's number, if it is one.
    private static func number(_ value: FeatureValue?) -> Double? {
        if case .number(let number)? = value { number } else { nil }
    }

    private static func reason(_ hit: RuleHit) -> Decision.Reason {
        if hit.missingFields.isEmpty {
            return Decision.Reason(code: hit.reasonCode, source: .policy, english: hit.text.en, indonesian: hit.text.id)
        }
        let fields = hit.missingFields.joined(separator: ", ")
        return operational("OPS-RULE-UNDECIDED", "rule \(hit.ruleId) could not be checked: missing \(fields)",
                           "aturan \(hit.ruleId) tidak dapat diperiksa: data \(fields) tidak ada")
    }

    private static func operational(_ code: String, _ english: String, _ indonesian: String) -> Decision.Reason {
        Decision.Reason(code: code, source: .operational, english: english, indonesian: indonesian)
    }
}
