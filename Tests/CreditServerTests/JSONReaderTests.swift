import CreditTestSupport
import Foundation
import Testing

@testable import CreditServer

/// The reference: ``JSONValue`` decoded through Foundation's `JSONDecoder`, as the service did
/// before ``JSONReader``.
private struct Reference: Decodable {
    var value: JSONValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let flag = try? container.decode(Bool.self) {
            value = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            value = .number(number)
        } else if let text = try? container.decode(String.self) {
            value = .string(text)
        } else if let elements = try? container.decode([Reference].self) {
            value = .array(elements.map(\.value))
        } else {
            value = .object(try container.decode([String: Reference].self).mapValues(\.value))
        }
    }

    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(Reference.self, from: Data(bytes)).value
    }
}

private let validCorpus: [String] = [
    #"{"event_id":"evt-1","amount":2096000.0,"tenor_months":12,"features":{"age":49,"ktp_verified":true,"x":null},"bureau":{}}"#,
    #"  [ 1 , -0 , 0.5 , 1e5 , 1.5E-3 , 123456789.123 , 1e308 , -2.2250738585072014e-308 ]  "#,
    #"{"escapes":"\" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00 é 日本"}"#,
    #"{"":"","nested":[[[]],{}],"t":true,"f":false,"n":null}"#,
    "\"top-level string\"", "42", "true", "null", "[]", "{}", "\t\r\n{\"a\" : [ ]}\n",
]

@Suite("JSON reader against JSONDecoder")
struct JSONReaderTests {
    @Test("valid documents give the reference's values", arguments: validCorpus)
    func validDocuments(text: String) throws {
        let bytes = Array(text.utf8)
        let reference = try #require(Reference.parse(bytes))
        #expect(try JSONReader.parse(bytes) == reference)
    }

    @Test("invalid documents are refused with the byte and the problem", arguments: [
        ("", "byte 0: expected a value, found the end of the body"),
        ("{", "byte 1: expected a string key"),
        ("[1,]", "byte 3: expected a value"),
        (#"{"a":1,}"#, "byte 7: expected a string key"),
        ("01", "byte 1: a number may not start with 0"),
        ("1.", "byte 2: expected a digit after '.'"),
        (".5", "byte 0: expected a value"),
        ("-", "byte 1: expected a digit"),
        ("1e", "byte 2: expected a digit in the exponent"),
        ("1e400", "byte 0: the number is too large"),
        ("1e-400", "byte 0: the number is too small"),
        (#""\x""#, "byte 2: unknown escape"),
        (#""\ud800""#, "byte 7: a high surrogate must be followed by a low one"),
        (#""\udc00""#, "byte 7: a low surrogate without a high one"),
        (#""\u12""#, "byte 3: expected four hex digits"),
        ("tru", "byte 0: expected a value"),
        (#"{"a" 1}"#, "byte 5: expected ':' after a key"),
        ("\"a\nb\"", "byte 2: a control character must be escaped in a string"),
        (#""open"#, "byte 5: the string is never closed"),
        ("1 2", "byte 2: unexpected text after the value"),
        (#"{"a":1,"a":2}"#, "byte 7: the same key appears twice in one object"),
        (String(repeating: "[", count: 33) + String(repeating: "]", count: 33), "byte 32: arrays and objects nested more than 32 deep"),
    ])
    func invalidDocuments(text: String, message: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(text.utf8)) }
        do {
            _ = try JSONReader.parse(Array(text.utf8))
        } catch {
            #expect(error.description == message, "\(text.debugDescription)")
        }
    }

    @Test("invalid UTF-8 in a string is refused, not replaced")
    func invalidUTF8() {
        #expect(throws: JSONReader.Failure(offset: 1, problem: "the string is not valid UTF-8")) {
            try JSONReader.parse([0x22, 0xFF, 0xFE, 0x22])
        }
    }

    @Test("randomly damaged documents: never a crash, and the reference's verdict and value")
    func damagedDocuments() {
        var random = SeededGenerator(seed: 0x5EED)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let alphabet = Array(#"{}[]:,"\-+.0123456789eEtrufalsn u"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for _ in 0..<10000 {
            var bytes = Array(validCorpus[next(validCorpus.count)].utf8)
            for _ in 0..<(next(3) + 1) {
                switch next(3) {
                case 0 where !bytes.isEmpty: bytes.remove(at: next(bytes.count))
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: next(bytes.count + 1))
                default: if !bytes.isEmpty { bytes[next(bytes.count)] = alphabet[next(alphabet.count)] }
                }
            }
            let reference = Reference.parse(bytes)
            do {
                let value = try JSONReader.parse(bytes)
                accepted += 1
                #expect(value == reference, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            } catch {
                // Refused on purpose, where JSONDecoder is lenient and RFC 8259 is not: a key
                // repeated in an object (JSONDecoder keeps one of the values), NUL bytes outside
                // strings (it skips them) and a comma before `]` or `}` (it allows one).
                if error.problem != "the same key appears twice in one object", !bytes.contains(0), !hasTrailingComma(bytes) {
                    #expect(reference == nil, "refused what JSONDecoder accepts: \(String(decoding: bytes, as: UTF8.self).debugDescription) (\(error))")
                }
            }
        }
        #expect(accepted > 200)
    }

    /// Whether a comma is followed (after white space) by `]` or `}` anywhere in `bytes`.
    private func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        let significant = bytes.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return zip(significant, significant.dropFirst()).contains { $0 == UInt8(ascii: ",") && ($1 == UInt8(ascii: "]") || $1 == UInt8(ascii: "}")) }
    }
}
