import CreditCore
import CreditRules
import CreditTestSupport
import Testing

@Suite("Rule expressions")
struct ExpressionTests {
    static let schema = try! RuleSchema(fields: [
        ("age", .number), ("income", .number), ("debt", .number), ("employment", .string),
        ("bureau.slik.value", .number), ("is_pep", .boolean),
    ])

    /// Evaluates `text` for an applicant with the given values (others missing).
    func truth(_ text: String, _ values: [String: FeatureValue] = [:]) throws -> Truth {
        let condition = try Condition(text, schema: Self.schema)
        var row = RuleRow(schema: Self.schema)
        for (name, value) in values { try row.set(Self.schema.slot(of: name)!, to: value) }
        return condition.evaluate(row)
    }

    func value(_ text: String, _ values: [String: FeatureValue] = [:]) throws -> FeatureValue {
        let expression = try ValueExpression(text, schema: Self.schema)
        var row = RuleRow(schema: Self.schema)
        for (name, value) in values { try row.set(Self.schema.slot(of: name)!, to: value) }
        return expression.evaluate(row)
    }

    @Test("arithmetic follows precedence; functions compute what they say")
    func arithmetic() throws {
        #expect(try value("1 + 2 * 3 - 4 / 2") == .number(5))
        #expect(try value("(1 + 2) * 3") == .number(9))
        #expect(try value("-2 * -3") == .number(6))
        #expect(try value("min(3, 1, 2) + max(4, 9)") == .number(10))
        #expect(try value("abs(-2.5)") == .number(2.5))
        #expect(try value("round(2.5)") == .number(3))
        #expect(try value("round(-2.5)") == .number(-3))
        #expect(try value("round(1.23456, 2)") == .number(1.23))
        #expect(try value("ln(exp(2))") == .number(2))
        #expect(try value("1_000_000 * 1e-3") == .number(1000))
        #expect(try value("debt / income", ["debt": .number(3), "income": .number(12)]) == .number(0.25))
    }

    @Test("comparisons, lists, ranges and logic")
    func logic() throws {
        let applicant: [String: FeatureValue] = ["age": .number(30), "employment": .category("salaried"), "bureau.slik.value": .number(3)]
        #expect(try truth("age >= 21 and age <= 60", applicant) == .yes)
        #expect(try truth("age < 21 or age > 60", applicant) == .no)
        #expect(try truth("not age < 21", applicant) == .yes)
        #expect(try truth("age = 30 and age == 30 and age != 31", applicant) == .yes)
        #expect(try truth("employment in [\"salaried\", 'self_employed']", applicant) == .yes)
        #expect(try truth("employment not in [\"salaried\"]", applicant) == .no)
        #expect(try truth("bureau.slik.value in [3, 4, 5]", applicant) == .yes)
        #expect(try truth("age in [18..30]", applicant) == .yes)
        #expect(try truth("age in [18..30)", applicant) == .no)
        #expect(try truth("age in (30..40]", applicant) == .no)
        #expect(try truth("age not in [18..25]", applicant) == .yes)
        #expect(try truth("employment == \"salaried\"", applicant) == .yes)
        #expect(try truth("true and not false") == .yes)
        #expect(try truth("is_pep", ["is_pep": .category("true")]) == .yes)
        #expect(try truth("is_pep == false", ["is_pep": .number(0)]) == .yes)
    }

    @Test("a missing input makes a test unknown, and Kleene logic carries it")
    func missingValues() throws {
        #expect(try truth("age < 21") == .unknown)
        #expect(try truth("not age < 21") == .unknown)
        #expect(try truth("age < 21 and false") == .no)
        #expect(try truth("age < 21 or true") == .yes)
        #expect(try truth("age < 21 or false") == .unknown)
        #expect(try truth("age is missing") == .yes)
        #expect(try truth("age is not missing") == .no)
        #expect(try truth("age is missing", ["age": .number(1)]) == .no)
        #expect(try truth("employment in [\"x\"]") == .unknown)
        #expect(try truth("is_pep") == .unknown)
        #expect(try value("age + 1") == .missing)
        // Values with no result count as missing rather than as numbers.
        #expect(try value("debt / income", ["debt": .number(1), "income": .number(0)]) == .missing)
        #expect(try value("ln(0)") == .missing)
        #expect(try value("exp(1000)") == .missing)
        #expect(try value("min(age, 1)") == .missing)
        #expect(try value("max(1, age)") == .missing)
    }

    @Test("errors name the column and the problem", arguments: [
        ("age <", 6, "unexpected end of expression"),
        ("age < 21 and", 13, "unexpected end of expression"),
        ("salary > 5", 1, "unknown field 'salary'"),
        ("age > \"x\"", 5, "cannot compare a number with a string"),
        ("employment < \"a\"", 12, "strings can only be compared with == and !="),
        ("age + 1", 5, "must be true or false, not a number"),
        ("age and true", 1, "'and' needs true or false, found a number"),
        ("sqrt(age) > 1", 1, "unknown function 'sqrt' (known: min, max, abs, ln, exp, round)"),
        ("min(age) > 1", 1, "min() takes 2 or more argument(s), found 1"),
        ("age in [1, age]", 12, "list members must be number literals here"),
        ("employment in [1]", 16, "list members must be string literals here"),
        ("age > 1 age", 9, "unexpected name 'age' after a complete expression"),
        ("\"open", 1, "unclosed string"),
        ("age # 1", 5, "unexpected character '#'"),
        ("age in [1..", 12, "unexpected end of expression"),
        ("(age > 1", 9, "expected ')', found end of expression"),
        ("age is 3", 8, "expected 'missing' after 'is', found number 3.0"),
    ])
    func errors(text: String, column: Int, problem: String) {
        #expect(throws: ExpressionError(column: column, problem: problem)) { try Condition(text, schema: Self.schema) }
    }

    @Test("deep nesting is refused rather than exhausting the stack")
    func nesting() {
        let deep = String(repeating: "(", count: 10_000) + "age > 1" + String(repeating: ")", count: 10_000)
        #expect(throws: ExpressionError.self) { try Condition(deep, schema: Self.schema) }
        let negations = String(repeating: "not ", count: 10_000) + "age > 1"
        #expect(throws: ExpressionError.self) { try Condition(negations, schema: Self.schema) }
        #expect(throws: ExpressionError.self) { try ValueExpression(String(repeating: "-", count: 10_000) + "1", schema: Self.schema) }
    }

    @Test("random input never crashes the parser")
    func fuzz() {
        // A seeded generator over the language's own characters and words, so most inputs get
        // deep into the grammar before they fail.
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> Int { Int(truncatingIfNeeded: random.next() >> 33) }
        let pieces = ["age", "income", "employment", "is_pep", " and ", " or ", "not ", " in ", " is ", "missing", "(", ")", "[", "]",
                      "..", ",", "<", "<=", "==", "=", "!=", "+", "-", "*", "/", "1", "0.5", "1e309", "\"s\"", "'", "\"", "min(",
                      "round(", "ln(", " ", "\u{00e9}", "\u{1F600}", "\\", ".", "_", "true", "false", "#"]
        var parsed = 0
        for _ in 0..<20_000 {
            let text = (0..<(next() % 12)).map { _ in pieces[next() % pieces.count] }.joined()
            if let condition = try? Condition(text, schema: Self.schema) {
                _ = condition.evaluate(RuleRow(schema: Self.schema))
                parsed += 1
            }
            _ = try? ValueExpression(text, schema: Self.schema)
        }
        #expect(parsed > 0, "the generator should also produce valid conditions")
    }

    @Test("schemas refuse duplicate and malformed names; rows refuse mistyped values")
    func schemaAndRows() throws {
        #expect(throws: RuleSchemaError.self) { try RuleSchema(fields: [("a", .number), ("a", .string)]) }
        #expect(throws: RuleSchemaError.self) { try RuleSchema(fields: [("1a", .number)]) }
        var row = RuleRow(schema: Self.schema)
        #expect(throws: RuleValueError.notNumber("abc")) { try row.set(Self.schema.slot(of: "age")!, to: .category("abc")) }
        #expect(throws: RuleValueError.notBoolean("maybe")) { try row.set(Self.schema.slot(of: "is_pep")!, to: .category("maybe")) }
        #expect(throws: RuleValueError.notFinite) { try row.set(Self.schema.slot(of: "age")!, to: .number(.infinity)) }
    }
}
