import CreditCore
import CreditRules
import Testing

@Suite("Decision tables")
struct DecisionTableTests {
    static let schema = try! RuleSchema(fields: [("grade", .string), ("dsr", .number), ("amount", .number)])

    func table(
        _ policy: HitPolicy, aggregation: Aggregation? = nil, priority: [FeatureValue] = [],
        rules: [(id: String?, when: [String], then: [String])]
    ) throws -> DecisionTable {
        try DecisionTable(
            id: "limits", hitPolicy: policy, aggregation: aggregation,
            inputs: [("grade", "grade"), ("dsr", "dsr")], outputs: [("max_amount", .number, priority)], rules: rules, schema: Self.schema)
    }

    func row(_ grade: String?, _ dsr: Double?) throws -> RuleRow {
        var row = RuleRow(schema: Self.schema)
        try row.set(Self.schema.slot(of: "grade")!, to: grade.map { .category($0) } ?? .missing)
        try row.set(Self.schema.slot(of: "dsr")!, to: dsr.map { .number($0) } ?? .missing)
        return row
    }

    static let limitRules: [(id: String?, when: [String], then: [String])] = [
        ("A-low", ["\"A\"", "< 0.3"], ["20000000"]),
        ("A-high", ["\"A\"", "[0.3..0.4]"], ["10000000"]),
        ("B", ["\"B\", \"C\"", "<= 0.4"], ["5000000"]),
        ("over", ["-", "> 0.4"], ["0"]),
    ]

    @Test("first returns the first match; cells test ranges, lists and any")
    func first() throws {
        let limits = try table(.first, rules: Self.limitRules)
        #expect(limits.evaluate(try row("A", 0.1)).values == [.number(20_000_000)])
        #expect(limits.evaluate(try row("A", 0.4)).values == [.number(10_000_000)])
        #expect(limits.evaluate(try row("C", 0.2)).values == [.number(5_000_000)])
        #expect(limits.evaluate(try row("A", 0.5)).matched == [3])
        let unmatched = limits.evaluate(try row("D", 0.2))
        #expect(unmatched.values == [.missing] && unmatched.problem == "no rule of table 'limits' matches")
        #expect(limits.evaluate(try row(nil, 0.2)).matched.isEmpty, "a missing input matches only '-' or 'missing' cells")
    }

    @Test("unique reports several matches; priority picks the highest-ranked output")
    func uniqueAndPriority() throws {
        let rules: [(id: String?, when: [String], then: [String])] = [
            ("r1", ["\"A\"", "-"], ["1"]), ("r2", ["-", "< 0.3"], ["2"]), ("r3", ["\"B\"", "-"], ["3"]),
        ]
        let unique = try table(.unique, rules: rules)
        #expect(unique.evaluate(try row("B", 0.5)).values == [.number(3)])
        #expect(unique.evaluate(try row("A", 0.1)).problem == "table 'limits' is unique but rules r1, r2 all match")
        let priority = try table(.priority, priority: [.number(2), .number(1), .number(3)], rules: rules)
        #expect(priority.evaluate(try row("A", 0.1)).values == [.number(2)])
        #expect(priority.evaluate(try row("A", 0.5)).values == [.number(1)])
    }

    @Test("collect gathers every match and aggregates the first output")
    func collect() throws {
        let rules: [(id: String?, when: [String], then: [String])] = [
            (nil, ["-", "> 0.1"], ["10"]), (nil, ["-", "> 0.2"], ["20"]), (nil, ["\"A\"", "-"], ["5"]),
        ]
        let answers: [(Aggregation?, FeatureValue)] = [(.sum, .number(35)), (.min, .number(5)), (.max, .number(20)), (.count, .number(3))]
        for (aggregation, expected) in answers {
            #expect(try table(.collect, aggregation: aggregation, rules: rules).evaluate(try row("A", 0.25)).values == [expected])
        }
        let plain = try table(.collect, rules: rules).evaluate(try row("A", 0.25))
        #expect(plain.collected == [[.number(10)], [.number(20)], [.number(5)]])
        #expect(try table(.collect, aggregation: .sum, rules: rules).evaluate(try row("B", 0)).values == [.number(0)])
    }

    @Test("malformed tables name the cell")
    func errors() throws {
        #expect(throws: DecisionTableError.self) { try table(.first, rules: [(nil, ["\"A\""], ["1"])]) }
        do {
            _ = try table(.first, rules: [(nil, ["\"A\"", "< "], ["1"])])
            Issue.record("expected an error")
        } catch let error as DecisionTableError {
            #expect(error.part == "rules[0].when[1]")
        }
        do {
            _ = try table(.first, rules: [(nil, ["\"A\"", "-"], ["'text'"])])
            Issue.record("expected an error")
        } catch let error as DecisionTableError {
            #expect(error.part == "rules[0].then[0]" && error.problem.contains("output 'max_amount' is a number"))
        }
        #expect(throws: DecisionTableError.self) { try table(.first, aggregation: .sum, rules: []) }
        #expect(throws: DecisionTableError.self) { try table(.priority, rules: []) }
    }

    @Test("the checker finds gaps, with missing inputs reported explicitly")
    func gaps() throws {
        let report = TableChecker.check(try table(.first, rules: Self.limitRules))
        #expect(report.notChecked == nil)
        let present = report.findings.filter { $0.kind == .gap && !$0.involvesMissing }.map(\.inputs)
        // Grade D/"other" below the 0.4 bound, and grade B/C in (0.4..] is covered by "over".
        #expect(present.contains("grade any other value, dsr < 0.3"))
        #expect(present.contains("grade any other value, dsr = 0.4"))
        #expect(!present.contains { $0.hasPrefix("grade = \"A\"") })
        #expect(!present.contains { $0.contains("dsr > 0.4") })
        #expect(report.findings.contains { $0.kind == .gap && $0.inputs == "grade = \"A\", dsr missing" })
        // A total table has no gaps among present values.
        let total = try table(.first, rules: Self.limitRules + [(id: "rest", when: ["-", "<= 0.4"], then: ["0"])])
        let findings = TableChecker.check(total).findings
        #expect(!findings.isEmpty && findings.allSatisfy { $0.involvesMissing })
    }

    @Test("the checker finds overlaps under unique")
    func overlaps() throws {
        let rules: [(id: String?, when: [String], then: [String])] = [
            ("low", ["-", "< 0.3"], ["1"]), ("mid", ["-", "[0.3..0.5]"], ["2"]), ("high", ["-", ">= 0.5"], ["3"]), ("gone", ["-", "missing"], ["0"]),
        ]
        let report = TableChecker.check(try table(.unique, rules: rules))
        #expect(report.overlapCount == 2, "dsr = 0.5 overlaps for both grade cases (any value, missing)")
        #expect(report.findings.contains { $0.kind == .overlap && $0.rules == ["mid", "high"] && $0.inputs.hasSuffix("dsr = 0.5") })
        #expect(report.gapCount == 0)
    }
}

@Suite("Calendar days and bureau calibration")
struct CalendarAndBureauTests {
    @Test("dates parse and print round trip, with leap years")
    func calendar() throws {
        #expect(CalendarDay(iso: "1970-01-01")?.daysSinceEpoch == 0)
        #expect(CalendarDay(iso: "2000-03-01")?.daysSinceEpoch == 11_017)
        #expect(CalendarDay(iso: "2026-01-01T08:30:00+07:00") == CalendarDay(iso: "2026-01-01"))
        #expect(CalendarDay(iso: "2024-02-29") != nil)
        for bad in ["2025-02-29", "2026-13-01", "2026-1-01", "20260101", "", "2026-01-01X"] {
            #expect(CalendarDay(iso: bad) == nil, "\(bad)")
        }
        for text in ["1969-12-31", "2024-02-29", "2026-11-25", "2100-03-01"] {
            #expect(CalendarDay(iso: text)?.description == text)
        }
    }

    static let pefindo = BureauCalibrator(
        id: "pefindo", version: "1.0.0", kind: .score, input: "pefindo_score", minimum: 250, maximum: 900, method: .isotonic,
        intercept: nil, slope: nil, points: [[250, 0.4], [500, 0.2], [900, 0.01]], fittedOn: nil)

    @Test("a score, no record and no answer are three different answers; out-of-range is an error")
    func answers() throws {
        #expect(abs(Self.pefindo.probabilityOfDefault(375) - 0.3) < 1e-15, "halfway between (250, 0.4) and (500, 0.2)")
        #expect(abs(Self.pefindo.probabilityOfDefault(700) - 0.105) < 1e-15)
        #expect(try Self.pefindo.answer(for: .number(250)) == .record(value: 250, probabilityOfDefault: 0.4))
        #expect(try Self.pefindo.answer(for: .category("NO_RECORD")) == .noRecord)
        #expect(try Self.pefindo.answer(for: .missing) == .unavailable)
        #expect(throws: BureauValueError.outOfRange(249, 250, 900)) { try Self.pefindo.answer(for: .number(249)) }
        #expect(throws: BureauValueError.notAScore("n/a")) { try Self.pefindo.answer(for: .category("n/a")) }
        var slik = Self.pefindo
        slik.kind = .collectibility
        (slik.minimum, slik.maximum, slik.points) = (1, 5, [[1, 0.02], [2, 0.1], [3, 0.3], [4, 0.5], [5, 0.7]])
        #expect(try slik.answer(for: .number(3)) == .record(value: 3, probabilityOfDefault: 0.3))
        #expect(throws: BureauValueError.notAGrade(2.5)) { try slik.answer(for: .number(2.5)) }
        var logistic = Self.pefindo
        (logistic.method, logistic.intercept, logistic.slope) = (.logistic, 4, -0.01)
        #expect(abs(logistic.probabilityOfDefault(400) - 0.5) < 1e-15)
        #expect(logistic.problem() == nil && Self.pefindo.problem() == nil)
        var broken = Self.pefindo
        broken.points = [[250, 0.1], [500, 0.3], [900, 0.2]]
        #expect(broken.problem()?.problem == "PD must be monotone in the score")
    }
}
