import CreditCore

/// Finds the input combinations a decision table does not cover (gaps) and, under the `unique`
/// hit policy, those several rules cover (overlaps).
///
/// Every cell test compares its input with constants, so a rule's match can only change at those
/// constants: the checker tries each constant, a point between each pair of neighbours, one point
/// below and one above them all, each string named plus "any other value", and — explicitly —
/// the input being missing. That set of points decides every case exactly.
public enum TableChecker {
    /// One uncovered or over-covered case.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case gap, overlap }
        public var kind: Kind
        /// The case, e.g. `grade = "C", dsr in (0.3..0.4)`.
        public var inputs: String
        /// Whether some input is missing in this case.
        public var involvesMissing: Bool
        /// The matching rules' ids (overlaps).
        public var rules: [String]

        public var description: String {
            switch kind {
            case .gap: return "gap: no rule matches \(inputs)"
            case .overlap: return "overlap: rules \(rules.joined(separator: ", ")) all match \(inputs)"
            }
        }
    }

    /// The outcome of a check.
    public struct Report: Sendable {
        /// The table's id.
        public var table: String
        /// Gaps and overlaps, at most `limit` of each kind, cases with present inputs first.
        public var findings: [Finding]
        /// How many cases were tried.
        public var casesChecked: Int
        /// How many gaps and overlaps there were in all (findings may show fewer).
        public var gapCount: Int
        public var overlapCount: Int
        /// Why the table could not be checked exhaustively, if it could not.
        public var notChecked: String?
    }

    private struct Point {
        var value: FeatureValue
        var label: String
        var missing: Bool
    }

    /// Checks `table`, trying at most `maximumCases` combinations. `domains` gives, by input
    /// index, the only values a string input can take (a policy's grades, an input's declared
    /// values); other string inputs are also tried with "any other value".
    public static func check(
        _ table: DecisionTable, domains: [Int: [String]] = [:], maximumCases: Int = 1_000_000, limit: Int = 20
    ) -> Report {
        var report = Report(table: table.id, findings: [], casesChecked: 0, gapCount: 0, overlapCount: 0, notChecked: nil)
        var pointsByInput: [[Point]] = []
        for (column, input) in table.inputs.enumerated() {
            var constants: [FeatureValue] = []
            for rule in table.rules {
                guard let node = rule.testNodes[column] else { continue }
                guard collectConstants(node, into: &constants) else {
                    report.notChecked = "input '\(input.name)': rule \(rule.id) compares with a computed value"
                    return report
                }
            }
            pointsByInput.append(points(for: input.expression.type, constants: constants, domain: domains[column], name: input.name))
        }
        var total = 1
        for points in pointsByInput {
            let (product, overflow) = total.multipliedReportingOverflow(by: points.count)
            total = overflow ? Int.max : product
        }
        guard total <= maximumCases, total > 0 else {
            report.notChecked = "more than \(maximumCases) cases"
            return report
        }
        var gaps: [Finding] = []
        var overlaps: [Finding] = []
        var odometer = Array(repeating: 0, count: pointsByInput.count)
        var columns = RuleRow(schema: table.columnSchema)
        for _ in 0..<total {
            for (column, position) in odometer.enumerated() {
                try? columns.set(table.columnSlots[column], to: pointsByInput[column][position].value)
            }
            let matched = table.matches(columns, all: true)
            if matched.isEmpty || (table.hitPolicy == .unique && matched.count > 1) {
                let chosen = odometer.enumerated().map { pointsByInput[$0.offset][$0.element] }
                let finding = Finding(
                    kind: matched.isEmpty ? .gap : .overlap,
                    inputs: chosen.map(\.label).joined(separator: ", "),
                    involvesMissing: chosen.contains { $0.missing },
                    rules: matched.map { table.rules[$0].id })
                if matched.isEmpty { gaps.append(finding) } else { overlaps.append(finding) }
            }
            report.casesChecked += 1
            // Advance the odometer, last input fastest.
            var column = odometer.count - 1
            while column >= 0 {
                odometer[column] += 1
                if odometer[column] < pointsByInput[column].count { break }
                odometer[column] = 0
                column -= 1
            }
        }
        report.gapCount = gaps.count
        report.overlapCount = overlaps.count
        func firstCases(_ findings: [Finding]) -> [Finding] {
            Array((findings.filter { !$0.involvesMissing } + findings.filter(\.involvesMissing)).prefix(limit))
        }
        report.findings = firstCases(gaps) + firstCases(overlaps)
        return report
    }

    /// Adds the constants `node` compares its input with; false when a bound is computed.
    private static func collectConstants(_ node: Node, into constants: inout [FeatureValue]) -> Bool {
        func literal(_ node: Node) -> FeatureValue? {
            switch node.kind {
            case .number(let x): return .number(x)
            case .string(let text): return .category(text)
            case .boolean: return .missing  // booleans have a fixed domain
            case .negate(let inner): if case .number(let x)? = literal(inner) { return .number(-x) } else { return nil }
            default: return nil
            }
        }
        func add(_ node: Node) -> Bool {
            guard let value = literal(node) else { return false }
            if value != .missing { constants.append(value) }
            return true
        }
        switch node.kind {
        case .logical(_, let a, let b): return collectConstants(a, into: &constants) && collectConstants(b, into: &constants)
        case .not(let inner): return collectConstants(inner, into: &constants)
        case .comparison(_, _, let value): return add(value)
        case .range(_, let lower, let upper, _, _, _): return add(lower) && add(upper)
        case .membership(_, let members, _): return members.allSatisfy(add)
        case .isMissing: return true
        default: return false
        }
    }

    private static func points(for type: ValueType, constants: [FeatureValue], domain: [String]?, name: String) -> [Point] {
        let missing = Point(value: .missing, label: "\(name) missing", missing: true)
        switch type {
        case .boolean:
            return [Point(value: .number(1), label: "\(name) = true", missing: false),
                    Point(value: .number(0), label: "\(name) = false", missing: false), missing]
        case .string:
            if let domain {
                return domain.map { Point(value: .category($0), label: "\(name) = \"\($0)\"", missing: false) } + [missing]
            }
            let labels = Set(constants.compactMap { if case .category(let text) = $0 { text } else { nil } }).sorted()
            return labels.map { Point(value: .category($0), label: "\(name) = \"\($0)\"", missing: false) }
                + [Point(value: .category("\u{1}other"), label: "\(name) any other value", missing: false), missing]
        case .number:
            let values = Set(constants.compactMap { if case .number(let x) = $0 { x } else { nil } }).sorted()
            guard let lowest = values.first, let highest = values.last else {
                return [Point(value: .number(0), label: "\(name) any value", missing: false), missing]
            }
            var points = [Point(value: .number(lowest - max(1, abs(lowest))), label: "\(name) < \(format(lowest))", missing: false)]
            for (index, value) in values.enumerated() {
                points.append(Point(value: .number(value), label: "\(name) = \(format(value))", missing: false))
                if index + 1 < values.count {
                    let next = values[index + 1]
                    points.append(Point(value: .number(value + (next - value) / 2),
                                        label: "\(name) in (\(format(value))..\(format(next)))", missing: false))
                }
            }
            points.append(Point(value: .number(highest + max(1, abs(highest))), label: "\(name) > \(format(highest))", missing: false))
            return points + [missing]
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
