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
    private let inputSlots: [(name: String, slot: RuleSchema.Slot, required: Bool, values: Set<String>?)]
    private let engineSlots: (amount: RuleSchema.Slot, tenor: RuleSchema.Slot, score: RuleSchema.Slot, pd: RuleSchema.Slot, grade: RuleSchema.Slot)
    private let bureauSlots: [(status: RuleSchema.Slot, value: RuleSchema.Slot, pd: RuleSchema.Slot, score: RuleSchema.Slot)]

    public init(model: ModelBundle, policy: Policy) {
        self.model = model
        self.policy = policy
        let schema = policy.schema
        inputSlots = policy.file.inputs.map { ($0.name, schema.slot(of: $0.name)!, $0.required ?? false, $0.values.map(Set.init)) }
        engineSlots = (schema.slot(of: "amount")!, schema.slot(of: "tenor_months")!, schema.slot(of: "score")!,
                       schema.slot(of: "pd")!, schema.slot(of: "grade")!)
        bureauSlots = policy.bureaus.map { bureau in
            (schema.slot(of: "bureau.\(bureau.id).status")!, schema.slot(of: "bureau.\(bureau.id).value")!,
             schema.slot(of: "bureau.\(bureau.id).pd")!, schema.slot(of: "bureau.\(bureau.id).score")!)
        }
    }

    /// `model@version+policy@version`, the pair a decision is pinned to.
    public var reference: String { "\(model.reference)+\(policy.reference)" }

    /// Decides one application. Deterministic: no clock, no randomness.
    /// - Throws: ``ApplicationError`` for a value of the wrong type or a bureau value out of
    ///   range — input to reject, not to decide.
    public func decide(_ application: Application) throws(ApplicationError) -> Decision {
        var row = RuleRow(schema: policy.schema)
        var operational: [Decision.Reason] = []
        guard application.amount.isFinite, application.amount > 0 else {
            throw ApplicationError(field: "amount", problem: "must be a positive number")
        }
        row.set(engineSlots.amount, number: application.amount)
        row.set(engineSlots.tenor, number: application.tenorMonths ?? .nan)
        for input in inputSlots {
            let value = application.fields[input.name] ?? .missing
            do { try row.set(input.slot, to: value) } catch { throw ApplicationError(field: input.name, problem: error.description) }
            if let allowed = input.values, case .category(let text) = value, !allowed.contains(text) {
                throw ApplicationError(field: input.name, problem: "is not one of \(allowed.sorted().joined(separator: ", "))")
            }
            if input.required, value == .missing {
                operational.append(Self.operational("OPS-MISSING-INPUT", "required input '\(input.name)' is missing",
                                                    "data wajib '\(input.name)' tidak ada"))
            }
        }

        // Bureaus.
        var bureaus: [String: BureauCalibrator.Answer] = [:]
        for (bureau, slots) in zip(policy.bureaus, bureauSlots) {
            let answer: BureauCalibrator.Answer
            do { answer = try bureau.answer(for: application.fields[bureau.input] ?? .missing) } catch {
                throw ApplicationError(field: bureau.input, problem: error.description)
            }
            bureaus[bureau.id] = answer
            switch answer {
            case .record(let value, let pd):
                try? row.set(slots.status, to: .category("record"))
                row.set(slots.value, number: value)
                row.set(slots.pd, number: pd)
                row.set(slots.score, number: model.file.scaling.score(linearPredictor: LogisticModel.linearPredictor(probability: pd)))
            case .noRecord:
                try? row.set(slots.status, to: .category("no_record"))
            case .unavailable:
                try? row.set(slots.status, to: .category("unavailable"))
                operational.append(Self.operational("OPS-BUREAU-UNAVAILABLE", "bureau '\(bureau.id)' gave no answer",
                                                    "biro kredit '\(bureau.id)' tidak memberi jawaban"))
            }
        }

        // Model.
        var result: ScoreResult?
        var grade: String?
        do {
            let scored = try model.score(application.fields, reasonLimit: Self.maximumReasons)
            result = scored
            row.set(engineSlots.score, number: scored.score)
            row.set(engineSlots.pd, number: scored.probabilityOfDefault)
            grade = policy.grade(of: scored.probabilityOfDefault)
            try? row.set(engineSlots.grade, to: .category(grade!))
        } catch {
            let feature = model.model.features[error.featureIndex].name
            guard error.reason == .missingValue else { throw ApplicationError(field: feature, problem: "\(error.reason)") }
            operational.append(Self.operational("OPS-MODEL-INPUT", "the model needs '\(feature)', which is missing",
                                                "model memerlukan '\(feature)', yang tidak ada"))
        }

        // Tables, then rules (which may read table outputs).
        let tableResults = policy.applyTables(to: &row)
        var tableOutputs: [String: FeatureValue] = [:]
        for (table, tableResult) in zip(policy.tables, tableResults) {
            for (output, value) in zip(table.outputs, tableResult.values) { tableOutputs[output.name] = value }
            if let problem = tableResult.problem {
                operational.append(Self.operational("OPS-TABLE", problem, "tabel keputusan '\(table.id)' tidak memberi jawaban"))
            }
        }
        let hits = policy.hits(row, on: application.date)

        // Outcome and reasons.
        var reasons: [Decision.Reason] = []
        var outcome: Decision.Outcome
        let declines = hits.filter { $0.outcome == .decline }
        let referrals = hits.filter { $0.outcome == .refer }
        let pd = result?.probabilityOfDefault ?? .nan
        if !declines.isEmpty {
            outcome = .decline
            reasons = declines.map(Self.reason)
        } else if !referrals.isEmpty || !operational.isEmpty {
            outcome = .refer
            reasons = operational + referrals.map(Self.reason)
        } else if pd >= policy.file.cutoffs.declineMinPD {
            outcome = .decline
            let cutoffs = policy.file.cutoffs
            reasons = [Decision.Reason(code: cutoffs.declineReason, source: .policy, english: cutoffs.declineText.en, indonesian: cutoffs.declineText.id)]
        } else if pd <= policy.file.cutoffs.approveMaxPD {
            outcome = .approve
        } else {
            outcome = .refer
            reasons = [Self.operational("PD-GREY-ZONE", "PD between the approve and decline cut-offs", "PD di antara batas setuju dan tolak")]
            reasons[0].source = .policy
        }
        if outcome != .approve {
            reasons += (result?.reasons ?? []).map { Decision.Reason(code: $0.code, source: .model, english: $0.english, indonesian: $0.indonesian) }
        }
        var seen: Set<String> = []
        reasons = reasons.filter { seen.insert($0.code).inserted }

        return Decision(
            outcome: outcome, probabilityOfDefault: result?.probabilityOfDefault, score: result?.score,
            grade: grade,
            maxAmount: tableOutputs["max_amount"].flatMap { if case .number(let x) = $0 { x } else { nil } },
            maxTenorMonths: tableOutputs["max_tenor_months"].flatMap { if case .number(let x) = $0 { x } else { nil } },
            tableOutputs: tableOutputs, ruleHits: hits, reasons: Array(reasons.prefix(Self.maximumReasons)), bureaus: bureaus)
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
