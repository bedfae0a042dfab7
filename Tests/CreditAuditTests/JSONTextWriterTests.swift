import CreditAudit
import CreditTestSupport
import Foundation
import Testing

/// A random JSON document, `Encodable` the way `JSONEncoder` sees it.
private indirect enum Tree: Encodable {
    case string(String), number(Double), integer(Int64), bool(Bool), null, array([Tree]), object([String: Tree])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        case .array(let elements): try container.encode(elements)
        case .object(let members): try container.encode(members)
        }
    }

    /// The same document through the writer, object members in UTF-8 key order.
    func write(to json: inout JSONTextWriter) {
        switch self {
        case .string(let text): json.string(text)
        case .number(let value): json.number(value)
        case .integer(let value): json.integer(value)
        case .bool(let flag): json.bool(flag)
        case .null: json.null()
        case .array(let elements):
            json.beginArray()
            for element in elements { element.write(to: &json) }
            json.endArray()
        case .object(let members):
            json.beginObject()
            for (key, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                json.key(key)
                value.write(to: &json)
            }
            json.endObject()
        }
    }
}

/// A seeded generator of awkward values: control characters, quotes, backslashes, slashes,
/// multi-byte text; doubles from random bits, whole numbers, signed zero, extremes.
private struct Awkward {
    var random: SeededGenerator

    mutating func next() -> UInt64 { random.next() }

    mutating func below(_ bound: Int) -> Int { random.below(bound) }

    mutating func string() -> String {
        let pieces = ["a", "Z", "0", " ", "/", "\\", "\"", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "é", "日", "😀", "_", "ÿ"]
        return (0..<below(12)).map { _ in pieces[below(pieces.count)] }.joined()
    }

    mutating func double() -> Double {
        switch below(6) {
        case 0: return Double(Int64(bitPattern: next()) >> below(60))
        case 1: return [0.0, -0.0, Double(bitPattern: 0x7e8) /* 1e-320 */, Double(bitPattern: 1) /* 5e-324 */, 1.7976931348623157e308, 0.1, 2096000, 1e15, 1e16, 1e21][below(10)]
        case 2: return Double(below(1_000_000)) / 1000
        default:
            let value = Double(bitPattern: next())
            return value.isFinite ? value : 1.5
        }
    }

    mutating func tree(depth: Int = 0) -> Tree {
        switch below(depth > 3 ? 5 : 7) {
        case 0: return .string(string())
        case 1: return .number(double())
        case 2: return .integer(Int64(bitPattern: next()) >> below(63))
        case 3: return .bool(below(2) == 0)
        case 4: return .null
        case 5: return .array((0..<below(4)).map { _ in tree(depth: depth + 1) })
        default:
            var members: [String: Tree] = [:]
            for _ in 0..<below(5) { members[string()] = tree(depth: depth + 1) }
            return .object(members)
        }
    }
}

@Suite("JSON text writer against JSONEncoder")
struct JSONTextWriterTests {
    @Test("random documents are written byte for byte as JSONEncoder writes them (sorted keys, unescaped slashes)")
    func matchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var random = Awkward(random: SeededGenerator(seed: 20261201))
        for _ in 0..<3000 {
            let tree = random.tree()
            var json = JSONTextWriter()
            tree.write(to: &json)
            let expected = try encoder.encode(tree)
            #expect(try json.text() == Array(expected), "\(String(decoding: expected, as: UTF8.self).debugDescription)")
        }
        #expect(try ContentDigest.canonicalJSON(Tree.string("a/b")) == Data("\"a/b\"".utf8))
    }

    @Test("a NaN or an infinity is refused when the text is taken, as JSONEncoder refuses it", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        var json = JSONTextWriter()
        json.beginArray()
        json.number(value)
        json.endArray()
        #expect(throws: JSONTextWriter.NonFiniteNumber.self) { try json.text() }
    }
}
