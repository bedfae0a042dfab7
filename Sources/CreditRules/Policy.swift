import CreditCore
public import FoundationEssentials
import CreditAudit

/// A loaded, type-checked policy: inputs, bureau calibrations, grades, cut-offs, decision tables
/// and dated rules, compiled once.
///
/// The fields rules may read are the declared inputs, the fields the engine supplies
/// (``Policy/engineFields``), `bureau.<id>.status|value|pd|score` for each bureau and every
/// decision-table output.
public struct Policy: Sendable {
    /// A compiled rule.
    public struct Rule: Sendable {
        public let id: String
        public let condition: Condition
        public let outcome: RuleOutcome
        public let reasonCode: String
        public let text: PolicyFile.Texts
        public let effectiveFrom: CalendarDay?
        public let effectiveUntil: CalendarDay?
        public let ifMissing: MissingInputPolicy

        /// Whether the rule applies to an application made on `day`.
        public func isEffective(on day: CalendarDay) -> Bool {
            (effectiveFrom.map { day >= $0 } ?? true) && (effectiveUntil.map { day < $0 } ?? true)
        }
    }

    /// Fields every application carries: the loan request and the model's outputs.
    public static let engineFields: [(name: String, type: ValueType)] = [
        ("amount", .number), ("tenor_months", .number), ("score", .number), ("pd", .number), ("grade", .string),
    ]

    public let file: PolicyFile
    public let schema: RuleSchema
    public let rules: [Rule]
    public let tables: [DecisionTable]
    public let bureaus: [BureauCalibrator]
    /// The slots of each table's outputs, in table order.
    let tableOutputSlots: [[RuleSchema.Slot]]
    /// Where the engine writes an application's values, found once when the policy is compiled.
    public let slots: EngineSlots
    /// The grade of a PD above every grade's bound (the last grade).
    private let worstGrade: String

    /// The slots the engine fills for one application: each declared input, the request, the
    /// model's outputs and each bureau's answer.
    public struct EngineSlots: Sendable {
        public struct Input: Sendable {
            public var name: String
            public var slot: RuleSchema.Slot
            public var required: Bool
            /// The values a string input may take, when the policy lists them.
            public var values: Set<String>?
        }

        public struct Bureau: Sendable {
            public var status, value, probabilityOfDefault, score: RuleSchema.Slot
        }

        public var inputs: [Input]
        public var amount, tenorMonths, score, probabilityOfDefault, grade: RuleSchema.Slot
        /// In the order of ``Policy/bureaus``.
        public var bureaus: [Bureau]
    }

    /// `policyId@policyVersion`.
    public var reference: String { "\(file.policyId)@\(file.policyVersion)" }

    /// Decodes, checks and compiles a policy document.
    /// - Throws: ``PolicyLoadError`` naming `source`, the JSON path, the rule or table and the
    ///   column in the expression where known.
    public init(jsonData: Data, source: String) throws(PolicyLoadError) {
        let file: PolicyFile
        do {
            file = try JSONDecoder().decode(PolicyFile.self, from: jsonData)
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw PolicyLoadError(source: source, path: problem.path, problem: problem.problem)
        } catch {
            throw PolicyLoadError(source: source, path: "", problem: "cannot be read: \(error)")
        }
        try self.init(file: file, source: source)
        guard let recorded = file.contentSHA256 else {
            throw PolicyLoadError(source: source, path: "contentSHA256", problem: "is missing (seal the file with `credit rules seal`)")
        }
        let actual = try Self.digest(of: file, source: source)
        guard recorded == actual else {
            throw PolicyLoadError(source: source, path: "contentSHA256",
                                  problem: "does not match the content (computed \(actual)); the file was edited after it was sealed")
        }
    }

    /// Checks and compiles a decoded document (its digest is not checked).
    public init(file: PolicyFile, source: String) throws(PolicyLoadError) {
        func fail(_ path: String, _ problem: String, rule: String? = nil, column: Int? = nil) -> PolicyLoadError {
            PolicyLoadError(source: source, path: path, rule: rule, column: column, problem: problem)
        }
        guard file.schemaVersion == PolicyFile.currentSchemaVersion else {
            throw fail("schemaVersion", "unsupported schema version \(file.schemaVersion); this engine reads version \(PolicyFile.currentSchemaVersion)")
        }
        guard !file.policyId.isEmpty, file.policyId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw fail("policyId", "must be letters, digits, '-' and '_'")
        }
        guard Self.isSemanticVersion(file.policyVersion) else { throw fail("policyVersion", "must be a semantic version like 1.2.0") }

        for (index, input) in file.inputs.enumerated() where input.values != nil && input.type != .string {
            throw fail("inputs[\(index)].values", "only string inputs can list their values")
        }

        // Schema: inputs, engine fields, bureau fields, then table outputs.
        var fields = file.inputs.map { (name: $0.name, type: $0.type) } + Self.engineFields
        let bureaus = file.bureaus ?? []
        for (index, bureau) in bureaus.enumerated() {
            if let (field, problem) = bureau.problem() { throw fail("bureaus[\(index)].\(field)", problem) }
            fields += [("bureau.\(bureau.id).status", .string), ("bureau.\(bureau.id).value", .number),
                       ("bureau.\(bureau.id).pd", .number), ("bureau.\(bureau.id).score", .number)]
        }
        let baseSchema: RuleSchema
        do { baseSchema = try RuleSchema(fields: fields) } catch { throw fail("inputs", error.description) }
        var tables: [DecisionTable] = []
        var outputFields: [(name: String, type: ValueType)] = []
        for (index, table) in (file.tables ?? []).enumerated() {
            do {
                let compiled = try DecisionTable(table, schema: baseSchema)
                tables.append(compiled)
                outputFields += table.outputs.map { ($0.name, $0.type) }
            } catch {
                throw fail("tables[\(index)]" + (error.part.isEmpty ? "" : ".\(error.part)"), error.problem, rule: table.id, column: error.column)
            }
        }
        let schema: RuleSchema
        do { schema = try baseSchema.adding(outputFields) } catch { throw fail("tables", "output \(error.description)") }

        // Grades and cut-offs.
        guard !file.grades.isEmpty else { throw fail("grades", "needs at least one grade") }
        for (index, grade) in file.grades.enumerated() {
            guard (0...1).contains(grade.maxPD) else { throw fail("grades[\(index)].maxPD", "must be between 0 and 1") }
            if index > 0, grade.maxPD <= file.grades[index - 1].maxPD {
                throw fail("grades[\(index)].maxPD", "grades must be listed best first with increasing maxPD")
            }
        }
        guard let worstGrade = file.grades.last, worstGrade.maxPD == 1 else {
            throw fail("grades[\(file.grades.count - 1)].maxPD", "the last grade must reach PD 1")
        }
        let cutoffs = file.cutoffs
        guard (0...1).contains(cutoffs.approveMaxPD), (0...1).contains(cutoffs.declineMinPD), cutoffs.approveMaxPD <= cutoffs.declineMinPD else {
            throw fail("cutoffs", "need 0 <= approveMaxPD <= declineMinPD <= 1")
        }

        // Rules.
        var rules: [Rule] = []
        for (index, rule) in file.rules.enumerated() {
            let path = "rules[\(index)]"
            guard !rule.id.isEmpty else { throw fail("\(path).id", "is empty") }
            guard !rule.reasonCode.isEmpty else { throw fail("\(path).reasonCode", "is empty", rule: rule.id) }
            let condition: Condition
            do { condition = try Condition(rule.when, schema: schema) } catch {
                throw fail("\(path).when", error.problem, rule: rule.id, column: error.column)
            }
            func day(_ text: String?, _ key: String) throws(PolicyLoadError) -> CalendarDay? {
                guard let text else { return nil }
                guard text.utf8.count == 10, let day = CalendarDay(iso: text) else {
                    throw fail("\(path).\(key)", "'\(text)' is not a date YYYY-MM-DD", rule: rule.id)
                }
                return day
            }
            let compiled = Rule(
                id: rule.id, condition: condition, outcome: rule.outcome, reasonCode: rule.reasonCode, text: rule.text,
                effectiveFrom: try day(rule.effectiveFrom, "effectiveFrom"), effectiveUntil: try day(rule.effectiveUntil, "effectiveUntil"),
                ifMissing: rule.ifMissing ?? .refer)
            if let from = compiled.effectiveFrom, let until = compiled.effectiveUntil, from >= until {
                throw fail("\(path).effectiveUntil", "must be after effectiveFrom", rule: rule.id)
            }
            // The same id may appear again only for a period that does not overlap.
            for (otherIndex, other) in rules.enumerated() where other.id == rule.id {
                let startsBeforeOtherEnds = other.effectiveUntil.map { (compiled.effectiveFrom ?? CalendarDay(daysSinceEpoch: .min)) < $0 } ?? true
                let otherStartsBeforeEnd = compiled.effectiveUntil.map { (other.effectiveFrom ?? CalendarDay(daysSinceEpoch: .min)) < $0 } ?? true
                if startsBeforeOtherEnds && otherStartsBeforeEnd {
                    throw fail("\(path).id", "duplicates rules[\(otherIndex)] with overlapping effective dates", rule: rule.id)
                }
            }
            rules.append(compiled)
        }
        self.file = file
        self.schema = schema
        self.rules = rules
        self.tables = tables
        self.bureaus = bureaus
        func slot(_ name: String) throws(PolicyLoadError) -> RuleSchema.Slot {
            guard let slot = schema.slot(of: name) else { throw fail("inputs", "the schema has no field '\(name)'") }
            return slot
        }
        var tableOutputSlots: [[RuleSchema.Slot]] = []
        for table in tables {
            var outputs: [RuleSchema.Slot] = []
            for output in table.outputs { outputs.append(try slot(output.name)) }
            tableOutputSlots.append(outputs)
        }
        self.tableOutputSlots = tableOutputSlots
        var inputs: [EngineSlots.Input] = []
        for input in file.inputs {
            inputs.append(.init(name: input.name, slot: try slot(input.name), required: input.required ?? false, values: input.values.map(Set.init)))
        }
        var bureauSlots: [EngineSlots.Bureau] = []
        for bureau in bureaus {
            bureauSlots.append(.init(
                status: try slot("bureau.\(bureau.id).status"), value: try slot("bureau.\(bureau.id).value"),
                probabilityOfDefault: try slot("bureau.\(bureau.id).pd"), score: try slot("bureau.\(bureau.id).score")))
        }
        self.slots = EngineSlots(
            inputs: inputs, amount: try slot("amount"), tenorMonths: try slot("tenor_months"), score: try slot("score"),
            probabilityOfDefault: try slot("pd"), grade: try slot("grade"), bureaus: bureauSlots)
        self.worstGrade = worstGrade.grade
    }

    /// Checks every decision table for gaps and overlaps; string inputs that read `grade` or an
    /// input with declared `values` are tried with exactly those values.
    public func checkTables(limit: Int = 20) -> [TableChecker.Report] {
        var domains: [String: [String]] = ["grade": file.grades.map(\.grade)]
        for input in file.inputs { if let values = input.values { domains[input.name] = values } }
        return tables.map { table in
            var byColumn: [Int: [String]] = [:]
            for (index, input) in table.inputs.enumerated() {
                if let domain = domains[input.expression.text.trimmingSpaces()] { byColumn[index] = domain }
            }
            return TableChecker.check(table, domains: byColumn, limit: limit)
        }
    }

    /// The grade of a PD.
    public func grade(of probabilityOfDefault: Double) -> String {
        file.grades.first { probabilityOfDefault <= $0.maxPD }?.grade ?? worstGrade
    }

    /// Runs the decision tables, writing their outputs into `row`.
    /// - Returns: each table's result, in order.
    public func applyTables(to row: inout RuleRow) -> [DecisionTable.Result] {
        var results: [DecisionTable.Result] = []
        for (table, slots) in zip(tables, tableOutputSlots) {
            let result = table.evaluate(row)
            for (slot, value) in zip(slots, result.values) { try? row.set(slot, to: value) }
            results.append(result)
        }
        return results
    }

    /// The rules in force on `day` that hit `row` (including, per their `ifMissing`, rules that
    /// could not be decided), in file order.
    public func hits(_ row: RuleRow, on day: CalendarDay) -> [RuleHit] {
        var hits: [RuleHit] = []
        for rule in rules where rule.isEffective(on: day) {
            switch rule.condition.evaluate(row) {
            case .no: continue
            case .yes: hits.append(RuleHit(rule: rule, missingFields: []))
            case .unknown:
                let missing = rule.condition.fields.filter { name in
                    guard let slot = schema.slot(of: name) else { return false }
                    return row.value(slot) == .missing
                }.sorted()
                switch rule.ifMissing {
                case .ignore: continue
                case .hit: hits.append(RuleHit(rule: rule, missingFields: missing))
                case .refer: hits.append(RuleHit(rule: rule, missingFields: missing, outcome: rule.outcome == .flag ? .flag : .refer))
                }
            }
        }
        return hits
    }

    /// The document's content digest (of its canonical JSON without `contentSHA256`).
    public static func digest(of file: PolicyFile, source: String) throws(PolicyLoadError) -> String {
        var unsealed = file
        unsealed.contentSHA256 = nil
        do {
            return ContentDigest.sha256Hex(try ContentDigest.canonicalJSON(unsealed))
        } catch {
            throw PolicyLoadError(source: source, path: "", problem: "cannot be encoded canonically: \(error)")
        }
    }

    static func isSemanticVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

/// A rule that hit an application.
public struct RuleHit: Sendable, Equatable {
    public var ruleId: String
    public var outcome: RuleOutcome
    public var reasonCode: String
    public var text: PolicyFile.Texts
    /// When the rule could not be decided: the missing inputs it reads.
    public var missingFields: [String]

    init(rule: Policy.Rule, missingFields: [String], outcome: RuleOutcome? = nil) {
        ruleId = rule.id
        self.outcome = outcome ?? rule.outcome
        reasonCode = rule.reasonCode
        text = rule.text
        self.missingFields = missingFields
    }
}

/// A policy file that cannot be used.
public struct PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    /// The JSON path, e.g. `rules[3].when`.
    public var path: String
    /// The rule's or table's id, when the problem is in one.
    public var rule: String?
    /// The 1-based column in the expression, when the problem is in one.
    public var column: Int?
    public var problem: String

    public init(source: String, path: String, rule: String? = nil, column: Int? = nil, problem: String) {
        self.source = source
        self.path = path
        self.rule = rule
        self.column = column
        self.problem = problem
    }

    public var description: String {
        var place = source
        if !path.isEmpty { place += ": \(path)" }
        if let rule { place += " (\(rule))" }
        if let column { place += " column \(column)" }
        return "\(place): \(problem)"
    }
}
