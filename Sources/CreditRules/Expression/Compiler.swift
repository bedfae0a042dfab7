public import CreditCore
import RealModule

/// An error in an expression, with the 1-based column where it was found.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var problem: String

    public init(column: Int, problem: String) {
        self.column = column
        self.problem = problem
    }

    public var description: String { "column \(column): \(problem)" }
}

typealias NumberCode = @Sendable (RuleRow) -> Double
typealias TextCode = @Sendable (RuleRow) -> String?
typealias TruthCode = @Sendable (RuleRow) -> Truth

/// A type-checked expression compiled to closures: the text is parsed once, at load, and a row
/// is evaluated by calling straight through them.
enum Compiled {
    case number(NumberCode)
    case text(TextCode)
    case truth(TruthCode)

    var type: ValueType {
        switch self {
        case .number: return .number
        case .text: return .string
        case .truth: return .boolean
        }
    }
}

/// A boolean expression ready to evaluate, with the fields it reads.
public struct Condition: Sendable {
    /// The expression as written.
    public let text: String
    /// The fields the expression reads.
    public let fields: Set<String>
    private let code: TruthCode

    /// Parses and type-checks `text` against `schema`.
    /// - Throws: ``ExpressionError`` for a syntax error, an unknown field or function, a type
    ///   mismatch, or an expression that is not true/false.
    public init(_ text: String, schema: RuleSchema) throws(ExpressionError) {
        let node = try Parser.parse(text)
        try self.init(node: node, text: text, schema: schema)
    }

    init(node: Node, text: String, schema: RuleSchema) throws(ExpressionError) {
        var compiler = Compiler(schema: schema)
        guard case .truth(let code) = try compiler.compile(node) else {
            throw ExpressionError(column: node.column, problem: "must be true or false, not a \(try compiler.compile(node).type.rawValue)")
        }
        self.text = text
        self.fields = compiler.fieldsRead
        self.code = code
    }

    /// The condition's truth for `row`.
    @inline(__always) public func evaluate(_ row: RuleRow) -> Truth { code(row) }
}

/// A value expression (number, string or boolean) ready to evaluate.
public struct ValueExpression: Sendable {
    public let text: String
    public let type: ValueType
    public let fields: Set<String>
    let compiled: Compiled

    /// Parses and type-checks `text` against `schema`.
    public init(_ text: String, schema: RuleSchema) throws(ExpressionError) {
        var compiler = Compiler(schema: schema)
        compiled = try compiler.compile(try Parser.parse(text))
        self.text = text
        self.type = compiled.type
        self.fields = compiler.fieldsRead
    }

    /// The value for `row`.
    public func evaluate(_ row: RuleRow) -> FeatureValue {
        switch compiled {
        case .number(let code):
            let value = code(row)
            return value.isNaN ? .missing : .number(value)
        case .text(let code): return code(row).map { .category($0) } ?? .missing
        case .truth(let code):
            switch code(row) {
            case .yes: return .category("true")
            case .no: return .category("false")
            case .unknown: return .missing
            }
        }
    }
}

/// Type-checks a parsed expression and turns it into closures.
struct Compiler {
    let schema: RuleSchema
    private(set) var fieldsRead: Set<String> = []

    init(schema: RuleSchema) { self.schema = schema }

    mutating func compile(_ node: Node) throws(ExpressionError) -> Compiled {
        switch node.kind {
        case .number(let value): return .number { _ in value }
        case .string(let value): return .text { _ in value }
        case .boolean(let value):
            let truth: Truth = value ? .yes : .no
            return .truth { _ in truth }
        case .field(let name):
            guard let slot = schema.slot(of: name) else {
                throw ExpressionError(column: node.column, problem: "unknown field '\(name)'")
            }
            fieldsRead.insert(name)
            switch slot {
            case .number(let index): return .number { $0.numbers[index] }
            case .string(let index): return .text { $0.strings[index] }
            case .boolean(let index):
                return .truth { row in
                    let value = row.numbers[index]
                    return value.isNaN ? .unknown : (value == 1 ? .yes : .no)
                }
            }
        case .negate(let operand):
            let code = try number(operand, "'-'")
            return .number { -code($0) }
        case .not(let operand):
            let code = try truth(operand, "'not'")
            return .truth { row in
                switch code(row) {
                case .yes: return .no
                case .no: return .yes
                case .unknown: return .unknown
                }
            }
        case .arithmetic(let op, let left, let right):
            let a = try number(left, "'\(op.rawValue)'")
            let b = try number(right, "'\(op.rawValue)'")
            switch op {
            case .add: return .number { a($0) + b($0) }
            case .subtract: return .number { a($0) - b($0) }
            case .multiply: return .number { a($0) * b($0) }
            case .divide:
                // Division by zero has no value: it counts as missing, like any missing input.
                return .number { row in
                    let result = a(row) / b(row)
                    return result.isFinite ? result : .nan
                }
            }
        case .comparison(let op, let left, let right):
            return try comparison(op, left, right, column: node.column)
        case .logical(let op, let left, let right):
            let a = try truth(left, "'\(op.rawValue)'")
            let b = try truth(right, "'\(op.rawValue)'")
            switch op {
            case .and:
                return .truth { row in
                    let x = a(row)
                    if x == .no { return .no }
                    let y = b(row)
                    if y == .no { return .no }
                    return x == .yes && y == .yes ? .yes : .unknown
                }
            case .or:
                return .truth { row in
                    let x = a(row)
                    if x == .yes { return .yes }
                    let y = b(row)
                    if y == .yes { return .yes }
                    return x == .no && y == .no ? .no : .unknown
                }
            }
        case .isMissing(let operand, let negated):
            let missing: Truth = negated ? .no : .yes
            let present: Truth = negated ? .yes : .no
            switch try compile(operand) {
            case .number(let code): return .truth { code($0).isNaN ? missing : present }
            case .text(let code): return .truth { code($0) == nil ? missing : present }
            case .truth(let code): return .truth { code($0) == .unknown ? missing : present }
            }
        case .membership(let subject, let members, let negated):
            return try membership(subject, members, negated: negated)
        case .range(let subject, let lower, let upper, let lowerClosed, let upperClosed, let negated):
            let value = try number(subject, "a range test")
            let low = try number(lower, "a range bound")
            let high = try number(upper, "a range bound")
            let inside: Truth = negated ? .no : .yes
            let outside: Truth = negated ? .yes : .no
            return .truth { row in
                let x = value(row), a = low(row), b = high(row)
                if x.isNaN || a.isNaN || b.isNaN { return .unknown }
                let aboveLower = lowerClosed ? x >= a : x > a
                let belowUpper = upperClosed ? x <= b : x < b
                return aboveLower && belowUpper ? inside : outside
            }
        case .call(let name, let arguments):
            return try call(name, arguments, column: node.column)
        }
    }

    private mutating func number(_ node: Node, _ context: String) throws(ExpressionError) -> NumberCode {
        let compiled = try compile(node)
        guard case .number(let code) = compiled else {
            throw ExpressionError(column: node.column, problem: "\(context) needs a number, found a \(compiled.type.rawValue)")
        }
        return code
    }

    private mutating func truth(_ node: Node, _ context: String) throws(ExpressionError) -> TruthCode {
        let compiled = try compile(node)
        guard case .truth(let code) = compiled else {
            throw ExpressionError(column: node.column, problem: "\(context) needs true or false, found a \(compiled.type.rawValue)")
        }
        return code
    }

    private mutating func comparison(_ op: ComparisonOperator, _ left: Node, _ right: Node, column: Int) throws(ExpressionError) -> Compiled {
        switch (try compile(left), try compile(right)) {
        case (.number(let a), .number(let b)):
            func test(_ predicate: @escaping @Sendable (Double, Double) -> Bool) -> Compiled {
                .truth { row in
                    let x = a(row), y = b(row)
                    if x.isNaN || y.isNaN { return .unknown }
                    return predicate(x, y) ? .yes : .no
                }
            }
            switch op {
            case .less: return test({ $0 < $1 })
            case .lessOrEqual: return test({ $0 <= $1 })
            case .greater: return test({ $0 > $1 })
            case .greaterOrEqual: return test({ $0 >= $1 })
            case .equal: return test({ $0 == $1 })
            case .notEqual: return test({ $0 != $1 })
            }
        case (.text(let a), .text(let b)):
            guard op == .equal || op == .notEqual else {
                throw ExpressionError(column: column, problem: "strings can only be compared with == and !=")
            }
            let equal: Truth = op == .equal ? .yes : .no
            let different: Truth = op == .equal ? .no : .yes
            return .truth { row in
                guard let x = a(row), let y = b(row) else { return .unknown }
                return x == y ? equal : different
            }
        case (.truth(let a), .truth(let b)):
            guard op == .equal || op == .notEqual else {
                throw ExpressionError(column: column, problem: "true/false values can only be compared with == and !=")
            }
            let equal: Truth = op == .equal ? .yes : .no
            let different: Truth = op == .equal ? .no : .yes
            return .truth { row in
                let x = a(row), y = b(row)
                if x == .unknown || y == .unknown { return .unknown }
                return x == y ? equal : different
            }
        case (let a, let b):
            throw ExpressionError(column: column, problem: "cannot compare a \(a.type.rawValue) with a \(b.type.rawValue)")
        }
    }

    private mutating func membership(_ subject: Node, _ members: [Node], negated: Bool) throws(ExpressionError) -> Compiled {
        let inside: Truth = negated ? .no : .yes
        let outside: Truth = negated ? .yes : .no
        switch try compile(subject) {
        case .number(let value):
            var numbers: Set<Double> = []
            for member in members {
                guard let literal = Self.numberLiteral(member) else {
                    throw ExpressionError(column: member.column, problem: "list members must be number literals here")
                }
                numbers.insert(literal)
            }
            let set = numbers
            return .truth { row in
                let x = value(row)
                if x.isNaN { return .unknown }
                return set.contains(x) ? inside : outside
            }
        case .text(let value):
            var strings: Set<String> = []
            for member in members {
                guard case .string(let literal) = member.kind else {
                    throw ExpressionError(column: member.column, problem: "list members must be string literals here")
                }
                strings.insert(literal)
            }
            let set = strings
            return .truth { row in
                guard let x = value(row) else { return .unknown }
                return set.contains(x) ? inside : outside
            }
        case .truth:
            throw ExpressionError(column: subject.column, problem: "'in' needs a number or a string, found a boolean")
        }
    }

    private static func numberLiteral(_ node: Node) -> Double? {
        switch node.kind {
        case .number(let value): return value
        case .negate(let inner): return numberLiteral(inner).map { -$0 }
        default: return nil
        }
    }

    private mutating func call(_ name: String, _ arguments: [Node], column: Int) throws(ExpressionError) -> Compiled {
        var codes: [NumberCode] = []
        for argument in arguments { codes.append(try number(argument, "\(name)()")) }
        func arity(_ allowed: ClosedRange<Int>) throws(ExpressionError) {
            guard allowed.contains(codes.count) else {
                let expected = allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) or more"
                throw ExpressionError(column: column, problem: "\(name)() takes \(expected) argument(s), found \(codes.count)")
            }
        }
        /// A result that is not a finite number (ln 0, exp 1000) counts as missing.
        @Sendable func finite(_ value: Double) -> Double { value.isFinite ? value : .nan }
        switch name {
        case "min", "max":
            try arity(2...Int.max)
            let takesMinimum = name == "min"
            let all = codes
            // NaN must propagate: Swift.min(.nan, 1) depends on argument order.
            return .number { row in
                var result = all[0](row)
                if result.isNaN { return .nan }
                for code in all.dropFirst() {
                    let value = code(row)
                    if value.isNaN { return .nan }
                    result = takesMinimum ? Swift.min(result, value) : Swift.max(result, value)
                }
                return result
            }
        case "abs":
            try arity(1...1)
            let a = codes[0]
            return .number { Swift.abs(a($0)) }
        case "ln":
            try arity(1...1)
            let a = codes[0]
            return .number { row in
                let x = a(row)
                return x > 0 ? finite(Double.log(x)) : .nan
            }
        case "exp":
            try arity(1...1)
            let a = codes[0]
            return .number { finite(Double.exp(a($0))) }
        case "round":
            try arity(1...2)
            let a = codes[0]
            if codes.count == 1 { return .number { a($0).rounded(.toNearestOrAwayFromZero) } }
            let digits = codes[1]
            return .number { row in
                let places = digits(row)
                guard places == places.rounded(), Swift.abs(places) <= 15 else { return .nan }
                let scale = Double.pow(10, Int(places))
                return finite((a(row) * scale).rounded(.toNearestOrAwayFromZero) / scale)
            }
        default:
            throw ExpressionError(column: column, problem: "unknown function '\(name)' (known: min, max, abs, ln, exp, round)")
        }
    }
}
