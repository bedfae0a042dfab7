import CreditTestSupport
import Testing

@testable import CreditCSV

private func parse(_ text: String) -> NumberParser.Result {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { NumberParser.parse(UnsafeRawBufferPointer($0)) }
}

@Suite("Number parser")
struct NumberParserTests {
    @Test("decimal forms", arguments: [
        ("0", 0.0), ("42", 42), ("-7", -7), ("+3.5", 3.5), ("0.1", 0.1), (".5", 0.5), ("5.", 5),
        ("1e3", 1000), ("1.5E-3", 0.0015), (" 12 ", 12), ("\t-0.25", -0.25), ("000123.4500", 123.45),
        // Values the compiler would warn about as literals, as bit patterns from CPython's
        // correctly rounded float(text).
        ("123456789012345678901234567890", Double(bitPattern: 0x45f8ee90ff6c373e)), ("1e-320", Double(bitPattern: 0x7e8)),
        ("2.2250738585072011e-308", Double(bitPattern: 0xfffffffffffff)), ("9007199254740993", Double(bitPattern: 0x4340000000000000)),
        ("0.30000000000000004", 0.30000000000000004), ("1234567.891", 1234567.891),
    ])
    func decimals(text: String, expected: Double) {
        #expect(parse(text) == .value(expected))
    }

    @Test("non-numbers and non-finite values are classified", arguments: [
        ("", NumberParser.Result.empty), ("   ", .empty), ("1,5", .notANumber), ("abc", .notANumber), ("1.2.3", .notANumber),
        ("-", .notANumber), (".", .notANumber), ("1e", .notANumber), ("1e+", .notANumber), ("12abc", .notANumber),
        ("0x10", .notANumber), ("NaN", .notFinite), ("nan", .notFinite), ("-inf", .notFinite), ("Infinity", .notFinite),
        ("1e400", .notFinite), ("-1e400", .notFinite),
    ])
    func rejections(text: String, expected: NumberParser.Result) {
        #expect(parse(text) == expected)
    }

    @Test("correctly rounded: agrees with the standard library on many generated decimals")
    func agreesWithStandardLibrary() {
        var random = SeededGenerator(seed: 0x1234_5678)
        for _ in 0..<20_000 {
            let state = random.next()
            let mantissa = state >> 20
            let exponent = Int((state >> 8) % 60) - 30
            let digits = Int(state % 18) + 1
            let text = "\(mantissa % UInt64(pow10(digits)))e\(exponent)"
            let reference = Double(text)!
            #expect(parse(text) == .value(reference), "\(text)")
            let shortest = "\(reference)"
            #expect(parse(shortest) == .value(reference), "round trip of \(shortest)")
        }
    }

    private func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 10 } }
}
