/// A parsed expression: what it says and the column where it starts.
final class Node: Sendable {
    indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case boolean(Bool)
        case field(String)
        case negate(Node)
        case not(Node)
        case arithmetic(ArithmeticOperator, Node, Node)
        case comparison(ComparisonOperator, Node, Node)
        case logical(LogicalOperator, Node, Node)
        case isMissing(Node, negated: Bool)
        case membership(Node, [Node], negated: Bool)
        case range(Node, lower: Node, upper: Node, lowerClosed: Bool, upperClosed: Bool, negated: Bool)
        case call(String, [Node])
    }

    let kind: Kind
    let column: Int

    init(_ kind: Kind, column: Int) {
        self.kind = kind
        self.column = column
    }
}

enum ArithmeticOperator: String, Sendable { case add = "+", subtract = "-", multiply = "*", divide = "/" }
enum ComparisonOperator: String, Sendable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
}
enum LogicalOperator: String, Sendable { case and, or }

/// A recursive-descent parser for rule expressions and decision-table cells.
///
/// ```
/// expression := or
/// or         := and ("or" and)*
/// and        := not ("and" not)*
/// not        := "not" not | test
/// test       := sum [ comparator sum | "is" ["not"] "missing" | ["not"] "in" set ]
/// set        := "[" [literal ("," literal)*] "]" | ("[" | "(") sum ".." sum ("]" | ")")
/// sum        := product (("+" | "-") product)*
/// product    := unary (("*" | "/") unary)*
/// unary      := "-" unary | primary
/// primary    := number | string | "true" | "false" | name | name "(" [expression ("," expression)*] ")" | "(" expression ")"
/// ```
/// `=` is accepted for `==`. Nesting is limited so no input can exhaust the stack.
struct Parser {
    static let maximumDepth = 64

    private var tokens: [Token]
    private var position = 0
    private var depth = 0

    private init(tokens: [Token]) { self.tokens = tokens }

    /// Parses a whole expression.
    static func parse(_ text: String) throws(ExpressionError) -> Node {
        var parser = Parser(tokens: try Lexer.tokens(of: text))
        let node = try parser.expression()
        try parser.expectEnd()
        return node
    }

    /// Parses a decision-table input cell against `subject` (the column's value): `-` or an empty
    /// cell matches anything (returns nil); otherwise a comma-separated list of tests, any of
    /// which may match: `< 0.3`, `>= 600`, `[0.3..0.4)`, `"A"`, `missing`, `not missing`, `42`.
    static func parseCell(_ text: String, subject: Node) throws(ExpressionError) -> Node? {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty || trimmed == "-" { return nil }
        var parser = Parser(tokens: try Lexer.tokens(of: text))
        var alternatives: [Node] = [try parser.cellTest(subject: subject)]
        while parser.take(.symbol(",")) {
            alternatives.append(try parser.cellTest(subject: subject))
        }
        try parser.expectEnd()
        return alternatives.dropFirst().reduce(alternatives[0]) { Node(.logical(.or, $0, $1), column: $1.column) }
    }

    // MARK: - Grammar

    private mutating func expression() throws(ExpressionError) -> Node {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw ExpressionError(column: current.column, problem: "expression nested too deeply") }
        return try or()
    }

    private mutating func or() throws(ExpressionError) -> Node {
        var left = try and()
        while case .keyword("or") = current.kind {
            let column = current.column
            position += 1
            left = Node(.logical(.or, left, try and()), column: column)
        }
        return left
    }

    private mutating func and() throws(ExpressionError) -> Node {
        var left = try not()
        while case .keyword("and") = current.kind {
            let column = current.column
            position += 1
            left = Node(.logical(.and, left, try not()), column: column)
        }
        return left
    }

    private mutating func not() throws(ExpressionError) -> Node {
        if case .keyword("not") = current.kind {
            let column = current.column
            position += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw ExpressionError(column: column, problem: "expression nested too deeply") }
            return Node(.not(try not()), column: column)
        }
        return try test()
    }

    private mutating func test() throws(ExpressionError) -> Node {
        let left = try sum()
        let column = current.column
        switch current.kind {
        case .symbol(let symbol):
            guard let comparator = Self.comparator(symbol) else { return left }
            position += 1
            return Node(.comparison(comparator, left, try sum()), column: column)
        case .keyword("is"):
            position += 1
            let negated = take(.keyword("not"))
            try expect(.keyword("missing"), "'missing' after 'is'")
            return Node(.isMissing(left, negated: negated), column: column)
        case .keyword("not"):
            position += 1
            try expect(.keyword("in"), "'in' after 'not'")
            return try set(left, negated: true, column: column)
        case .keyword("in"):
            position += 1
            return try set(left, negated: false, column: column)
        default:
            return left
        }
    }

    private mutating func set(_ subject: Node, negated: Bool, column: Int) throws(ExpressionError) -> Node {
        let open = current
        guard open.kind == .symbol("[") || open.kind == .symbol("(") else {
            throw ExpressionError(column: open.column, problem: "expected a list [..] or a range after 'in'")
        }
        position += 1
        if open.kind == .symbol("["), take(.symbol("]")) {
            return Node(.membership(subject, [], negated: negated), column: column)
        }
        let first = try sum()
        if take(.symbol("..")) {
            let upper = try sum()
            let upperClosed: Bool
            if take(.symbol("]")) {
                upperClosed = true
            } else if take(.symbol(")")) {
                upperClosed = false
            } else {
                throw ExpressionError(column: current.column, problem: "expected ']' or ')' to close the range")
            }
            return Node(.range(subject, lower: first, upper: upper, lowerClosed: open.kind == .symbol("["),
                               upperClosed: upperClosed, negated: negated), column: column)
        }
        guard open.kind == .symbol("[") else { throw ExpressionError(column: current.column, problem: "expected '..' in a range") }
        var members = [first]
        while take(.symbol(",")) { members.append(try sum()) }
        try expect(.symbol("]"), "',' or ']' in the list")
        return Node(.membership(subject, members, negated: negated), column: column)
    }

    private mutating func sum() throws(ExpressionError) -> Node {
        var left = try product()
        while case .symbol(let symbol) = current.kind, symbol == "+" || symbol == "-" {
            let column = current.column
            position += 1
            left = Node(.arithmetic(symbol == "+" ? .add : .subtract, left, try product()), column: column)
        }
        return left
    }

    private mutating func product() throws(ExpressionError) -> Node {
        var left = try unary()
        while case .symbol(let symbol) = current.kind, symbol == "*" || symbol == "/" {
            let column = current.column
            position += 1
            left = Node(.arithmetic(symbol == "*" ? .multiply : .divide, left, try unary()), column: column)
        }
        return left
    }

    private mutating func unary() throws(ExpressionError) -> Node {
        if current.kind == .symbol("-") {
            let column = current.column
            position += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw ExpressionError(column: column, problem: "expression nested too deeply") }
            return Node(.negate(try unary()), column: column)
        }
        return try primary()
    }

    private mutating func primary() throws(ExpressionError) -> Node {
        let token = current
        position += 1
        switch token.kind {
        case .number(let value): return Node(.number(value), column: token.column)
        case .string(let value): return Node(.string(value), column: token.column)
        case .keyword("true"): return Node(.boolean(true), column: token.column)
        case .keyword("false"): return Node(.boolean(false), column: token.column)
        case .identifier(let name):
            guard take(.symbol("(")) else { return Node(.field(name), column: token.column) }
            var arguments: [Node] = []
            if !take(.symbol(")")) {
                arguments.append(try expression())
                while take(.symbol(",")) { arguments.append(try expression()) }
                try expect(.symbol(")"), "',' or ')' after a function argument")
            }
            return Node(.call(name, arguments), column: token.column)
        case .symbol("("):
            let inner = try expression()
            try expect(.symbol(")"), "')'")
            return inner
        case .end:
            throw ExpressionError(column: token.column, problem: "unexpected end of expression")
        default:
            throw ExpressionError(column: token.column, problem: "unexpected \(Self.describe(token.kind))")
        }
    }

    private mutating func cellTest(subject: Node) throws(ExpressionError) -> Node {
        let column = current.column
        switch current.kind {
        case .symbol(let symbol) where Self.comparator(symbol) != nil:
            position += 1
            return Node(.comparison(Self.comparator(symbol)!, subject, try sum()), column: column)
        case .symbol("["), .symbol("("):
            // A parenthesised value `(1 + 2)` is not a range; only `[`/`(` followed by `..` is.
            let saved = position
            if case .symbol("(") = current.kind {
                position += 1
                _ = try? sum()
                let isRange = current.kind == .symbol("..")
                position = saved
                if !isRange { return Node(.comparison(.equal, subject, try sum()), column: column) }
            }
            return try set(subject, negated: false, column: column)
        case .keyword("missing"):
            position += 1
            return Node(.isMissing(subject, negated: false), column: column)
        case .keyword("not"):
            position += 1
            if take(.keyword("missing")) { return Node(.isMissing(subject, negated: true), column: column) }
            try expect(.keyword("in"), "'missing' or 'in' after 'not'")
            return try set(subject, negated: true, column: column)
        default:
            return Node(.comparison(.equal, subject, try sum()), column: column)
        }
    }

    // MARK: - Helpers

    private var current: Token { tokens[min(position, tokens.count - 1)] }

    private mutating func take(_ kind: Token.Kind) -> Bool {
        guard current.kind == kind else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(ExpressionError) {
        guard take(kind) else {
            throw ExpressionError(column: current.column, problem: "expected \(what), found \(Self.describe(current.kind))")
        }
    }

    private func expectEnd() throws(ExpressionError) {
        guard current.kind == .end else {
            throw ExpressionError(column: current.column, problem: "unexpected \(Self.describe(current.kind)) after a complete expression")
        }
    }

    private static func comparator(_ symbol: String) -> ComparisonOperator? {
        symbol == "=" ? .equal : ComparisonOperator(rawValue: symbol)
    }

    private static func describe(_ kind: Token.Kind) -> String {
        switch kind {
        case .number(let value): return "number \(value)"
        case .string(let value): return "string \"\(value)\""
        case .identifier(let name): return "name '\(name)'"
        case .keyword(let word): return "'\(word)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "end of expression"
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" })!
        return String(scalars[first...last])
    }
}
