import CreditCore
import CreditRules
import Foundation
import Testing

@Suite("GoRules JDM import")
struct JDMImportTests {
    let fixture: [String: Any]

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "jdm_parity", withExtension: "json", subdirectory: "Fixtures"))
        fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func value(_ any: Any?) -> FeatureValue {
        switch any {
        case let number as NSNumber: return .number(number.doubleValue)
        case let text as String: return .category(text)
        default: return .missing
        }
    }

    static func outputs(_ any: Any?, _ table: DecisionTable) -> [FeatureValue] {
        let object = any as? [String: Any] ?? [:]
        return table.outputs.map { value(object[$0.name]) }
    }

    /// Produced by benchmarks/peers/jdm_parity.py with zen-engine (version in the fixture):
    /// 2,000 random applicants, boundary values and missing inputs included. Exact agreement.
    @Test("imported tables give zen-engine's outputs on every case", arguments: ["first", "collect"])
    func parity(policy: String) throws {
        let documents = fixture["documents"] as! [String: Any]
        let document = try JSONSerialization.data(withJSONObject: documents[policy]!)
        let tables = try JDMImport.tables(from: document)
        #expect(tables.count == 1 && tables[0].hitPolicy.rawValue == policy)
        let types = fixture["inputTypes"] as! [String: String]
        let schema = try RuleSchema(fields: types.keys.sorted().map { ($0, ValueType(rawValue: types[$0]!)!) })
        let table = try DecisionTable(tables[0], schema: schema)
        let cases = fixture["cases"] as! [[String: Any]]
        let expected = (fixture["results"] as! [String: Any])[policy] as! [Any]
        var mismatches = 0
        for (index, input) in cases.enumerated() {
            var row = RuleRow(schema: schema)
            for (name, value) in input { try row.set(schema.slot(of: name)!, to: Self.value(value)) }
            let result = table.evaluate(row)
            let ours: [[FeatureValue]]
            let theirs: [[FeatureValue]]
            if policy == "collect" {
                ours = result.collected
                theirs = (expected[index] as! [Any]).map { Self.outputs($0, table) }
            } else {
                ours = result.matched.isEmpty ? [] : [result.values]
                let object = expected[index] as! [String: Any]
                theirs = object.isEmpty ? [] : [Self.outputs(object, table)]
            }
            if ours != theirs {
                mismatches += 1
                if mismatches <= 5 { Issue.record("case \(index) \(input): ours \(ours), zen \(theirs)") }
            }
        }
        #expect(mismatches == 0)
        #expect(cases.count == 2000)
    }

    @Test("unsupported nodes and malformed documents are refused with their path")
    func refusals() throws {
        let expression = #"{"contentType":"application/vnd.gorules.decision","nodes":[{"id":"x","name":"calc","type":"expressionNode"}],"edges":[]}"#
        #expect(throws: JDMImport.Failure(path: "nodes[0].type", problem: "node 'calc' is an expressionNode; only decision tables are imported")) {
            try JDMImport.tables(from: Data(expression.utf8))
        }
        #expect(throws: JDMImport.Failure.self) { try JDMImport.tables(from: Data("{\"nodes\": 3}".utf8)) }
        #expect(throws: JDMImport.Failure.self) { try JDMImport.tables(from: Data("not json".utf8)) }
        let noField = #"{"nodes":[{"id":"t","type":"decisionTableNode","content":{"hitPolicy":"first","inputs":[{"id":"i"}],"outputs":[{"id":"o","field":"x"}],"rules":[]}}]}"#
        #expect(throws: JDMImport.Failure(path: "nodes[0].content.inputs[0]", problem: "an input without a field is not supported")) {
            try JDMImport.tables(from: Data(noField.utf8))
        }
    }

    @Test("null tests are translated, the tables load, and missing values take the null rows")
    func nullTests() throws {
        let document = #"""
            {"contentType":"application/vnd.gorules.decision","nodes":[{"id":"t","name":"limits","type":"decisionTableNode","content":{
              "hitPolicy":"first",
              "inputs":[{"id":"i1","field":"income"},{"id":"i2","field":"grade"}],
              "outputs":[{"id":"o","field":"limit"}],
              "rules":[
                {"_id":"r1","i1":"== null","i2":"","o":"0"},
                {"_id":"r2","i1":"null, < 1000","i2":"","o":"1"},
                {"_id":"r3","i1":"!= null","i2":"\"A\", null","o":"5000"},
                {"_id":"r4","i1":"","i2":"","o":"100"}]}}]}
            """#
        let tables = try JDMImport.tables(from: Data(document.utf8))
        #expect(tables[0].rules.map { $0.when.map(\.text) } == [
            ["missing", ""], ["missing, < 1000", ""], ["not missing", "\"A\", missing"], ["", ""],
        ])
        let schema = try RuleSchema(fields: [("income", .number), ("grade", .string)])
        let table = try DecisionTable(tables[0], schema: schema)
        func limit(_ income: FeatureValue, _ grade: FeatureValue) throws -> FeatureValue? {
            var row = RuleRow(schema: schema)
            try row.set(schema.slot(of: "income")!, to: income)
            try row.set(schema.slot(of: "grade")!, to: grade)
            return table.evaluate(row).values.first
        }
        #expect(try limit(.missing, .category("A")) == .number(0))
        #expect(try limit(.number(500), .category("B")) == .number(1))
        #expect(try limit(.number(1500), .category("B")) == .number(100))
        #expect(try limit(.number(5000), .missing) == .number(5000))
        #expect(try limit(.number(5000), .category("A")) == .number(5000))
        #expect(try limit(.number(5000), .category("C")) == .number(100))
    }

    @Test("a cell the rule language cannot express is refused at import with its path")
    func untranslatableCell() throws {
        func document(input: String, output: String = "1") -> Data {
            Data(#"""
                {"nodes":[{"id":"t","type":"decisionTableNode","content":{"hitPolicy":"first",
                  "inputs":[{"id":"i","field":"income"}],"outputs":[{"id":"o","field":"limit"}],
                  "rules":[{"_id":"r1","i":"1","o":"1"},{"_id":"r2","i":"\#(input)","o":"\#(output)"}]}}]}
                """#.utf8)
        }
        #expect(throws: JDMImport.Failure.self) { try JDMImport.tables(from: document(input: "contains($, 5)")) }
        do {
            _ = try JDMImport.tables(from: document(input: "> 5 >"))
            Issue.record("an untranslatable cell was imported")
        } catch {
            #expect(error.path == "nodes[0].content.rules[1].income")
            #expect(error.problem.hasPrefix("cannot be translated to the rule language"))
        }
        #expect(throws: JDMImport.Failure(path: "nodes[0].content.rules[1].limit", problem: "a null output cannot be represented; give a value")) {
            try JDMImport.tables(from: document(input: "2", output: "null"))
        }
    }
}
