/// One token of a rule expression, with the 1-based character column it starts at.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        /// `and or not in is missing true false`.
        case keyword(String)
        /// `( ) [ ] , + - * / < <= > >= == != = ..`
        case symbol(String)
        case end
    }

    var kind: Kind
    var column: Int
}

/// Splits an expression into tokens. Works on Unicode scalars so columns match what an editor
/// shows; rejects anything outside the language with the column of the offending character.
struct Lexer {
    static let keywords: Set<String> = ["and", "or", "not", "in", "is", "missing", "true", "false"]
    /// Longest expressions accepted; a rule is a line of policy, not a program.
    static let maximumLength = 10_000

    static func tokens(of text: String) throws(ExpressionError) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= maximumLength else {
            throw ExpressionError(column: 1, problem: "expression longer than \(maximumLength) characters")
        }
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let column = index + 1
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
            } else if isDigit(scalar) || (scalar == "." && index + 1 < scalars.count && isDigit(scalars[index + 1])) {
                let start = index
                while index < scalars.count, isDigit(scalars[index]) || scalars[index] == "_" { index += 1 }
                // A fraction, unless the dot starts a range `1..5`.
                if index < scalars.count, scalars[index] == ".", !(index + 1 < scalars.count && scalars[index + 1] == ".") {
                    index += 1
                    while index < scalars.count, isDigit(scalars[index]) { index += 1 }
                }
                if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
                    var probe = index + 1
                    if probe < scalars.count, scalars[probe] == "+" || scalars[probe] == "-" { probe += 1 }
                    if probe < scalars.count, isDigit(scalars[probe]) {
                        index = probe
                        while index < scalars.count, isDigit(scalars[index]) { index += 1 }
                    }
                }
                let literal = String(String.UnicodeScalarView(scalars[start..<index])).replacingUnderscores()
                guard let value = Double(literal), value.isFinite else {
                    throw ExpressionError(column: column, problem: "invalid number '\(literal)'")
                }
                tokens.append(Token(kind: .number(value), column: column))
            } else if isIdentifierStart(scalar) {
                let start = index
                while index < scalars.count, isIdentifierStart(scalars[index]) || isDigit(scalars[index]) || scalars[index] == "." {
                    // A dot continues an identifier only when a letter or underscore follows.
                    if scalars[index] == ".", !(index + 1 < scalars.count && isIdentifierStart(scalars[index + 1])) { break }
                    index += 1
                }
                let word = String(String.UnicodeScalarView(scalars[start..<index]))
                tokens.append(Token(kind: keywords.contains(word) ? .keyword(word) : .identifier(word), column: column))
            } else if scalar == "\"" || scalar == "'" {
                let quote = scalar
                index += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while index < scalars.count {
                    let next = scalars[index]
                    if next == quote {
                        closed = true
                        index += 1
                        break
                    }
                    if next == "\\", index + 1 < scalars.count {
                        value.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    value.append(next)
                    index += 1
                }
                guard closed else { throw ExpressionError(column: column, problem: "unclosed string") }
                tokens.append(Token(kind: .string(String(value)), column: column))
            } else {
                let two = index + 1 < scalars.count ? String(String.UnicodeScalarView([scalar, scalars[index + 1]])) : ""
                if ["<=", ">=", "==", "!=", ".."].contains(two) {
                    tokens.append(Token(kind: .symbol(two), column: column))
                    index += 2
                } else if "()[],+-*/<>=".unicodeScalars.contains(scalar) {
                    tokens.append(Token(kind: .symbol(String(scalar)), column: column))
                    index += 1
                } else {
                    throw ExpressionError(column: column, problem: "unexpected character '\(Character(scalar))'")
                }
            }
        }
        tokens.append(Token(kind: .end, column: scalars.count + 1))
        return tokens
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 65 && scalar.value <= 90) || (scalar.value >= 97 && scalar.value <= 122) || scalar == "_"
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
