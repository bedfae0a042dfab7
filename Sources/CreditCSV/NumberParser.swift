/// Parses decimal numbers from CSV bytes, correctly rounded (the result equals `strtod`'s).
///
/// Accepted: optional sign, digits with an optional `.` fraction, an optional exponent
/// (`1.5e-3`); surrounding spaces and tabs are ignored. Numbers with at most 19 significant
/// digits and a decimal exponent within ±22 take Clinger's exact fast path (one multiplication or
/// division of two exactly representable doubles); anything else falls back to the standard
/// library's correctly rounded conversion.
public enum NumberParser {
    /// The outcome of parsing one field.
    public enum Result: Sendable, Equatable {
        /// A finite number.
        case value(Double)
        /// The field is empty (or only spaces).
        case empty
        /// The field is not a number.
        case notANumber
        /// The field is NaN, infinity, or too large for a `Double`.
        case notFinite
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Parses `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        guard start < end else { return .empty }

        var index = start
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Digits accumulate into a 64-bit mantissa while there are at most 19 significant ones;
        // `exponent` tracks the decimal point, `exact` whether digits were dropped.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digitCount = 0
        var exponent = 0
        var exact = true
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exact = exact && digit == 0
                exponent += 1
            }
            digitCount += 1
            index += 1
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                } else {
                    exact = exact && digit == 0
                }
                digitCount += 1
                index += 1
            }
        }
        guard digitCount > 0 else { return nonNumeric(bytes, start, end) }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var explicit = 0
            var exponentDigits = 0
            while index < end, bytes[index] &- UInt8(ascii: "0") < 10 {
                if explicit < 100_000 { explicit = explicit * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return .notANumber }
            exponent += exponentNegative ? -explicit : explicit
        }
        guard index == end else { return .notANumber }

        if exact, mantissa <= 1 << 53, abs(exponent) <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / exactPowersOfTen[-exponent] : value * exactPowersOfTen[exponent]
            return .value(negative ? -value : value)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        guard let value = Double(text) else { return .notANumber }
        return value.isFinite ? .value(value) : .notFinite
    }

    /// Classifies a field with no digits: NaN and infinity spellings are `notFinite`.
    private static func nonNumeric(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Result {
        var word = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self).lowercased()
        if word.hasPrefix("-") || word.hasPrefix("+") { word.removeFirst() }
        return ["nan", "inf", "infinity"].contains(word) ? .notFinite : .notANumber
    }
}
