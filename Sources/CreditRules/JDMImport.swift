public import FoundationEssentials
import CreditCore

/// Imports the decision tables of a GoRules JDM document (the JSON the GoRules editor saves,
/// `contentType: application/vnd.gorules.decision`), so analysts can author tables there and
/// run them here.
///
/// Each `decisionTableNode` becomes a ``PolicyFile/Table``: its inputs read the input's `field`
/// (a path such as `applicant.income` becomes the field of that name), its cells are ZEN unary
/// tests (`"A", "B"`, `< 0.2`, `[0.2..0.4]`, empty for any) and its output cells expressions
/// (`20000000`, `"approve"`). Output types are inferred from the cells. The graph's input and
/// output nodes are structure only; any other node kind (expressions, functions, switches) is
/// refused, as is an input without a field.
///
/// ZEN's `null` tests are translated: a cell `null` or `== null` becomes `missing`, `!= null`
/// becomes `not missing`, also as one alternative of a comma-separated cell. Every translated
/// input cell is parsed, and every output cell checked, before anything is returned: a cell the
/// rule language cannot express is refused with its path (`nodes[1].content.rules[3].income`),
/// so a printed table always loads.
public enum JDMImport {
    /// A document that cannot be imported.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Where: `nodes[1].content.rules[3]`.
        public var path: String
        public var problem: String

        public init(path: String, problem: String) {
            self.path = path
            self.problem = problem
        }

        public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
    }

    private struct Document: Decodable {
        var contentType: String?
        var nodes: [GraphNode]
    }

    private struct GraphNode: Decodable {
        var id: String
        var name: String?
        var type: String
        var content: Content?
    }

    private struct Content: Decodable {
        struct Column: Decodable {
            var id: String
            var name: String?
            var field: String?
        }

        var hitPolicy: String?
        var inputs: [Column]?
        var outputs: [Column]?
        var rules: [[String: String]]?
    }

    /// The document's decision tables, in node order.
    public static func tables(from data: Data) throws(Failure) -> [PolicyFile.Table] {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw Failure(path: problem.path, problem: problem.problem)
        } catch {
            throw Failure(path: "", problem: "cannot be read: \(error)")
        }
        if let type = document.contentType, type != "application/vnd.gorules.decision" {
            throw Failure(path: "contentType", problem: "is \(type), not application/vnd.gorules.decision")
        }
        var tables: [PolicyFile.Table] = []
        for (index, node) in document.nodes.enumerated() {
            let path = "nodes[\(index)]"
            switch node.type {
            case "inputNode", "outputNode": continue
            case "decisionTableNode": tables.append(try table(node, path: path))
            default: throw Failure(path: "\(path).type", problem: "node '\(node.name ?? node.id)' is \(article(node.type)) \(node.type); only decision tables are imported")
            }
        }
        guard !tables.isEmpty else { throw Failure(path: "nodes", problem: "holds no decision table") }
        return tables
    }

    private static func table(_ node: GraphNode, path: String) throws(Failure) -> PolicyFile.Table {
        guard let content = node.content, let inputs = content.inputs, let outputs = content.outputs, let rules = content.rules else {
            throw Failure(path: "\(path).content", problem: "a decision table needs inputs, outputs and rules")
        }
        let hitPolicy: HitPolicy
        switch content.hitPolicy ?? "first" {
        case "first": hitPolicy = .first
        case "collect": hitPolicy = .collect
        case let other: throw Failure(path: "\(path).content.hitPolicy", problem: "unknown hit policy '\(other)'")
        }
        var tableInputs: [PolicyFile.Table.Input] = []
        for (column, input) in inputs.enumerated() {
            guard let field = input.field, !field.isEmpty else {
                throw Failure(path: "\(path).content.inputs[\(column)]", problem: "an input without a field is not supported")
            }
            tableInputs.append(.init(name: input.name ?? field, expression: field))
        }
        var tableRules: [PolicyFile.Table.Row] = []
        var outputTypes: [ValueType?] = Array(repeating: nil, count: outputs.count)
        for (index, rule) in rules.enumerated() {
            let cells = outputs.map { (rule[$0.id] ?? "").trimmingSpaces() }
            for (column, cell) in cells.enumerated() {
                guard !cell.isEmpty else {
                    throw Failure(path: "\(path).content.rules[\(index)]", problem: "output '\(outputs[column].field ?? outputs[column].id)' is empty")
                }
                let type = inferredType(cell)
                if let known = outputTypes[column], let type, known != type {
                    throw Failure(path: "\(path).content.rules[\(index)]", problem: "output '\(outputs[column].field ?? "")' mixes \(known.rawValue) and \(type.rawValue) values")
                }
                outputTypes[column] = outputTypes[column] ?? type
            }
            var when: [Cell] = []
            for (column, input) in inputs.enumerated() {
                let place = "\(path).content.rules[\(index)].\(input.field ?? input.id)"
                let translated = translatedInputCell(rule[input.id] ?? "")
                do {
                    _ = try Parser.parseCell(translated, subject: Node(.field("_c\(column)"), column: 1))
                } catch {
                    throw Failure(path: place, problem: "cannot be translated to the rule language (\(error.problem))")
                }
                when.append(Cell(stringLiteral: translated))
            }
            for (column, cell) in cells.enumerated() {
                let place = "\(path).content.rules[\(index)].\(outputs[column].field ?? outputs[column].id)"
                guard cell != "null" else { throw Failure(path: place, problem: "a null output cannot be represented; give a value") }
                do { _ = try Parser.parse(cell) } catch {
                    throw Failure(path: place, problem: "cannot be translated to the rule language (\(error.problem))")
                }
            }
            tableRules.append(.init(id: rule["_id"], when: when, then: cells.map { Cell(stringLiteral: $0) }))
        }
        var tableOutputs: [PolicyFile.Table.Output] = []
        for (column, output) in outputs.enumerated() {
            guard let field = output.field, !field.isEmpty else {
                throw Failure(path: "\(path).content.outputs[\(column)]", problem: "an output without a field is not supported")
            }
            tableOutputs.append(.init(name: field, type: outputTypes[column] ?? .number, priority: nil))
        }
        return PolicyFile.Table(
            id: node.name ?? node.id, hitPolicy: hitPolicy, aggregation: nil, inputs: tableInputs, outputs: tableOutputs, rules: tableRules)
    }

    /// A ZEN unary-test cell in the rule language: `null` tests become `missing` tests; the rest
    /// is kept as written (the two languages share their comparisons, ranges and lists).
    static func translatedInputCell(_ text: String) -> String {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty, trimmed != "-" else { return trimmed }
        return alternatives(of: trimmed).map { alternative -> String in
            let compact = alternative.filter { $0 != " " && $0 != "\t" }
            switch compact {
            case "null", "==null", "=null": return "missing"
            case "!=null": return "not missing"
            default: return alternative
            }
        }.joined(separator: ", ")
    }

    /// The comma-separated alternatives of a cell, splitting only outside quotes and brackets.
    private static func alternatives(of cell: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in cell {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if "([".contains(character) {
                depth += 1
            } else if ")]".contains(character) {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(current.trimmingSpaces())
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current.trimmingSpaces())
        return parts
    }

    private static func article(_ word: String) -> String {
        "aeiou".contains(word.first?.lowercased() ?? "") ? "an" : "a"
    }

    /// The type of a literal output cell; nil for an expression (typed when compiled).
    private static func inferredType(_ cell: String) -> ValueType? {
        if cell == "true" || cell == "false" { return .boolean }
        if let first = cell.first, first == "\"" || first == "'" { return .string }
        if Double(cell.filter { $0 != "_" }) != nil { return .number }
        return nil
    }
}
