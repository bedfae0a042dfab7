/// A strict RFC 8259 JSON parser for request bodies, straight to ``JSONValue``.
///
/// Hand-written because decoding ``JSONValue`` through Foundation's `JSONDecoder` was a fifth of
/// the score service's CPU time: it probes each value for each kind by throwing and catching
/// decoding errors. This reader looks at each byte once. It is stricter than `JSONDecoder` in one
/// way, on purpose: an object with the same key twice is refused, since which of two values a
/// reader keeps is where a request could mean one thing to us and another to an auditor.
///
/// Accepted: one value with optional white space around it; strings with every JSON escape
/// (surrogate pairs joined; a lone surrogate refused) and valid UTF-8 only; numbers in JSON's
/// grammar that a `Double` represents (correctly rounded; none that overflow, or that underflow
/// to zero); at most ``maximumDepth`` nested arrays and objects. Unlike `JSONDecoder`, which is
/// lenient there, no NUL byte is skipped outside strings and no comma may end an array or object.
struct JSONReader {
    /// Why a body is not JSON, and the byte offset where that was found.
    struct Failure: Error, Equatable, CustomStringConvertible {
        var offset: Int
        var problem: String
        var description: String { "byte \(offset): \(problem)" }
    }

    /// Arrays and objects nested deeper than this are refused (a request needs 3).
    static let maximumDepth = 32

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses `data` as one JSON value.
    /// - Throws: ``Failure`` at the first byte that does not fit.
    static func parse(_ data: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(data)
        return try array.withUnsafeBytes { buffer -> Result<JSONValue, Failure> in
            var reader = JSONReader(buffer)
            do throws(Failure) {
                reader.skipWhiteSpace()
                let value = try reader.value(depth: 0)
                reader.skipWhiteSpace()
                guard reader.position == buffer.count else { throw reader.failure("unexpected text after the value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }.get()
    }

    // MARK: - Values

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard position < bytes.count else { throw failure("expected a value, found the end of the body") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("expected a value")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("arrays and objects nested more than \(Self.maximumDepth) deep") }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhiteSpace()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhiteSpace()
            let keyOffset = position
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try string()
            skipWhiteSpace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after a key") }
            skipWhiteSpace()
            let member = try value(depth: depth)
            guard members.updateValue(member, forKey: key) == nil else {
                throw Failure(offset: keyOffset, problem: "the same key appears twice in one object")
            }
            skipWhiteSpace()
            if consume(UInt8(ascii: "}")) { return .object(members) }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or '}'") }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("arrays and objects nested more than \(Self.maximumDepth) deep") }
        position += 1
        var elements: [JSONValue] = []
        skipWhiteSpace()
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            skipWhiteSpace()
            elements.append(try value(depth: depth))
            skipWhiteSpace()
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or ']'") }
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure("expected a value") }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] { throw failure("expected a value") }
        position += count
        return value
    }

    // MARK: - Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as a correctly rounded `Double`.
    private mutating func number() throws(Failure) -> Double {
        let start = position
        _ = consume(UInt8(ascii: "-"))
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("a number may not start with 0") }
        } else {
            skipDigits()
        }
        if consume(UInt8(ascii: ".")) {
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit in the exponent") }
            skipDigits()
        }
        let digits = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else {
            throw Failure(offset: start, problem: "the number is too large")
        }
        // A number that is not zero but rounds to zero is not representable either.
        if value == 0, digits.prefix(while: { $0 | 0x20 != UInt8(ascii: "e") }).contains(where: { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }) {
            throw Failure(offset: start, problem: "the number is too small")
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    // MARK: - Strings

    /// A string from its opening quote: escapes resolved, UTF-8 validated.
    private mutating func string() throws(Failure) -> String {
        position += 1
        let start = position
        // The common case: no escapes, so the bytes between the quotes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return try validated(text, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("a control character must be escaped in a string") }
            position += 1
        }
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try decoded.withUnsafeBytes { text in Result { () throws(Failure) in try validated(text, at: start) } }.get()
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case 0..<0x20:
                position -= 1
                throw failure("a control character must be escaped in a string")
            default:
                decoded.append(byte)
            }
        }
        throw failure("the string is never closed")
    }

    /// The escape after a backslash, appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
        guard position < bytes.count else { throw failure("the string is never closed") }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(letter)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800..<0xDC00).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("a high surrogate must be followed by a low one")
                }
                position += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a high surrogate must be followed by a low one") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("a low surrogate without a high one")
            }
            decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            position -= 1
            throw failure("unknown escape")
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("expected four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// `text` as a `String`, refusing invalid UTF-8 (rather than replacing it).
    private func validated(_ text: UnsafeRawBufferPointer, at offset: Int) throws(Failure) -> String {
        guard let string = String(validating: text, as: UTF8.self) else { throw Failure(offset: offset, problem: "the string is not valid UTF-8") }
        return string
    }

    // MARK: - Bytes

    private mutating func skipWhiteSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private func failure(_ problem: String) -> Failure { Failure(offset: position, problem: problem) }
}
