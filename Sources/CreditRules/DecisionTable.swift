public import CreditCore

/// How a decision table turns its matching rules into a result (DMN hit policies).
public enum HitPolicy: String, Sendable, Codable, CaseIterable {
    /// The first matching rule, in table order.
    case first
    /// Exactly one rule may match; more than one is an error.
    case unique
    /// Of the matching rules, the one whose first output ranks highest in the output's
    /// `priority` list.
    case priority
    /// Every matching rule; with an aggregation, one number from the first output.
    case collect
}

/// How `collect` combines the first output of its matches.
public enum Aggregation: String, Sendable, Codable, CaseIterable {
    case sum, min, max, count
}

/// A decision table compiled against a schema: inputs are expressions over the applicant, input
/// cells are tests of one input, output cells are expressions.
public struct DecisionTable: Sendable {
    /// One column the rules test.
    public struct Input: Sendable {
        public let name: String
        public let expression: ValueExpression
    }

    /// One value the table produces.
    public struct Output: Sendable {
        public let name: String
        public let type: ValueType
        /// For the `priority` hit policy: values of the first output, highest priority first.
        public let priority: [FeatureValue]
    }

    /// One row of the table.
    public struct Rule: Sendable {
        /// The rule's id, or its 1-based position.
        public let id: String
        /// The cells as written (empty or `-` for "any").
        public let cells: [String]
        let tests: [Condition?]
        /// The parsed tests, for the gap and overlap checker.
        let testNodes: [Node?]
        let outputs: [ValueExpression]
    }

    /// A table's answer for one applicant.
    public struct Result: Sendable, Equatable {
        /// Indexes of the matching rules, in table order.
        public var matched: [Int]
        /// The table's outputs after the hit policy (and aggregation), one per output; missing
        /// when no rule matched or (collect without aggregation) several did.
        public var values: [FeatureValue]
        /// Every matching rule's outputs (for collect).
        public var collected: [[FeatureValue]]
        /// A problem the hit policy found (no match, several matches under `unique`).
        public var problem: String?
    }

    public let id: String
    public let hitPolicy: HitPolicy
    public let aggregation: Aggregation?
    public let inputs: [Input]
    public let outputs: [Output]
    public let rules: [Rule]
    /// The schema of the input columns `_c0`, `_c1`, …, which the cell tests read.
    let columnSchema: RuleSchema
    let columnSlots: [RuleSchema.Slot]

    /// Compiles a table. Errors name the table's part (`inputs[1]`, `rules[4].when[0]`).
    public init(
        id: String, hitPolicy: HitPolicy, aggregation: Aggregation?, inputs: [(name: String, expression: String)],
        outputs: [(name: String, type: ValueType, priority: [FeatureValue])],
        rules: [(id: String?, when: [String], then: [String])], schema: RuleSchema
    ) throws(DecisionTableError) {
        guard !inputs.isEmpty, !outputs.isEmpty else { throw DecisionTableError(part: "", problem: "needs at least one input and one output") }
        var compiledInputs: [Input] = []
        for (index, input) in inputs.enumerated() {
            do {
                compiledInputs.append(Input(name: input.name, expression: try ValueExpression(input.expression, schema: schema)))
            } catch {
                throw DecisionTableError(part: "inputs[\(index)]", column: error.column, problem: error.problem)
            }
        }
        let columnFields = compiledInputs.enumerated().map { (name: "_c\($0.offset)", type: $0.element.expression.type) }
        let columnSchema: RuleSchema
        do { columnSchema = try RuleSchema(fields: columnFields) } catch { throw DecisionTableError(part: "inputs", problem: error.description) }
        if hitPolicy == .collect, let aggregation, aggregation != .count, outputs[0].type != .number {
            throw DecisionTableError(part: "aggregation", problem: "\(aggregation.rawValue) needs a number as the first output")
        }
        if aggregation != nil, hitPolicy != .collect {
            throw DecisionTableError(part: "aggregation", problem: "only the collect hit policy aggregates")
        }
        if hitPolicy == .priority, outputs[0].priority.isEmpty {
            throw DecisionTableError(part: "outputs[0].priority", problem: "the priority hit policy needs the first output's values in priority order")
        }
        var compiledRules: [Rule] = []
        for (index, rule) in rules.enumerated() {
            guard rule.when.count == inputs.count else {
                throw DecisionTableError(part: "rules[\(index)].when", problem: "has \(rule.when.count) cells for \(inputs.count) inputs")
            }
            guard rule.then.count == outputs.count else {
                throw DecisionTableError(part: "rules[\(index)].then", problem: "has \(rule.then.count) cells for \(outputs.count) outputs")
            }
            var tests: [Condition?] = []
            var testNodes: [Node?] = []
            for (column, cell) in rule.when.enumerated() {
                do {
                    let node = try Parser.parseCell(cell, subject: Node(.field("_c\(column)"), column: 1))
                    testNodes.append(node)
                    tests.append(try node.map { node throws(ExpressionError) in try Condition(node: node, text: cell, schema: columnSchema) })
                } catch {
                    throw DecisionTableError(part: "rules[\(index)].when[\(column)]", column: error.column, problem: error.problem)
                }
            }
            var values: [ValueExpression] = []
            for (column, cell) in rule.then.enumerated() {
                do throws(ExpressionError) {
                    let value = try ValueExpression(cell, schema: schema)
                    guard value.type == outputs[column].type else {
                        throw ExpressionError(column: 1, problem: "gives a \(value.type.rawValue); output '\(outputs[column].name)' is a \(outputs[column].type.rawValue)")
                    }
                    values.append(value)
                } catch {
                    throw DecisionTableError(part: "rules[\(index)].then[\(column)]", column: error.column, problem: error.problem)
                }
            }
            compiledRules.append(Rule(id: rule.id ?? "\(index + 1)", cells: rule.when, tests: tests, testNodes: testNodes, outputs: values))
        }
        self.id = id
        self.hitPolicy = hitPolicy
        self.aggregation = aggregation
        self.inputs = compiledInputs
        self.outputs = outputs.map { Output(name: $0.name, type: $0.type, priority: $0.priority) }
        self.rules = compiledRules
        self.columnSchema = columnSchema
        self.columnSlots = columnFields.map { columnSchema.slot(of: $0.name)! }
    }

    /// Compiles a table of a policy file against `schema`.
    public init(_ table: PolicyFile.Table, schema: RuleSchema) throws(DecisionTableError) {
        try self.init(
            id: table.id, hitPolicy: table.hitPolicy, aggregation: table.aggregation,
            inputs: table.inputs.map { ($0.name, $0.expression) },
            outputs: table.outputs.map { ($0.name, $0.type, $0.priority ?? []) },
            rules: table.rules.map { ($0.id, $0.when.map(\.text), $0.then.map(\.text)) }, schema: schema)
    }

    /// Evaluates the table for one applicant.
    public func evaluate(_ row: RuleRow) -> Result {
        var columns = RuleRow(schema: columnSchema)
        for (input, slot) in zip(inputs, columnSlots) {
            // The value has the column's type by construction.
            try? columns.set(slot, to: input.expression.evaluate(row))
        }
        let matched = matches(columns)
        return result(matched: matched, row: row)
    }

    /// Indexes of the rules whose every test holds for `columns`; under `first`, only the first
    /// unless `all`.
    func matches(_ columns: RuleRow, all: Bool = false) -> [Int] {
        var matched: [Int] = []
        for (index, rule) in rules.enumerated() where rule.tests.allSatisfy({ $0 == nil || $0!.evaluate(columns) == .yes }) {
            matched.append(index)
            if hitPolicy == .first, !all { break }
        }
        return matched
    }

    private func result(matched: [Int], row: RuleRow) -> Result {
        let none = Array(repeating: FeatureValue.missing, count: outputs.count)
        func outputValues(of index: Int) -> [FeatureValue] { rules[index].outputs.map { $0.evaluate(row) } }
        switch (hitPolicy, matched.count) {
        case (.collect, _):
            let collected = matched.map(outputValues(of:))
            var values = none
            if let aggregation {
                let numbers = collected.compactMap { if case .number(let x) = $0[0] { x } else { nil } }
                switch aggregation {
                case .count: values[0] = .number(Double(matched.count))
                case .sum: values[0] = .number(numbers.reduce(0, +))
                case .min: values[0] = numbers.min().map { .number($0) } ?? .missing
                case .max: values[0] = numbers.max().map { .number($0) } ?? .missing
                }
            } else if collected.count == 1 {
                values = collected[0]
            }
            return Result(matched: matched, values: values, collected: collected, problem: nil)
        case (_, 0):
            return Result(matched: [], values: none, collected: [], problem: "no rule of table '\(id)' matches")
        case (.unique, 2...):
            let ids = matched.map { rules[$0].id }.joined(separator: ", ")
            return Result(matched: matched, values: none, collected: [], problem: "table '\(id)' is unique but rules \(ids) all match")
        case (.priority, _):
            let ranked = matched.map { index in (index, outputValues(of: index)) }
            let best = ranked.min { rank($0.1[0]) < rank($1.1[0]) }!
            return Result(matched: matched, values: best.1, collected: [], problem: nil)
        default:
            return Result(matched: matched, values: outputValues(of: matched[0]), collected: [], problem: nil)
        }
    }

    private func rank(_ value: FeatureValue) -> Int {
        outputs[0].priority.firstIndex(of: value) ?? Int.max
    }
}

/// A decision table that cannot be compiled, naming the part of the table.
public struct DecisionTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The part of the table, e.g. `rules[4].when[0]`.
    public var part: String
    /// The 1-based column within the cell or expression, when known.
    public var column: Int?
    public var problem: String

    init(part: String, column: Int? = nil, problem: String) {
        self.part = part
        self.column = column
        self.problem = problem
    }

    public var description: String {
        let place = column.map { "\(part) column \($0)" } ?? part
        return place.isEmpty ? problem : "\(place): \(problem)"
    }
}
