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

    /// 10^`exponent` for 0...22, the powers of ten a `Double` holds exactly.
    @inline(__always)
    private static func exactPowerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: return 1
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// Parses `bytes`.
    @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        if let value = parsePlainDecimal(bytes) { return .value(value) }
        return parseGeneral(bytes)
    }

    /// The common form, fast: `-?digits(.digits)?` with at most 15 digits in all, so the
    /// mantissa is exact and one division (Clinger's fast path) rounds correctly. `nil` for
    /// anything else, which ``parseGeneral(_:)`` handles.
    @inline(__always)
    private static func parsePlainDecimal(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        guard count > 0, count <= 17 else { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        let integerStart = index
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        var digits = index - integerStart
        var fractionDigits = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                index += 1
            }
            fractionDigits = index - fractionStart
            digits += fractionDigits
        }
        guard index == count, digits > 0, digits <= 15 else { return nil }
        let value = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / exactPowerOfTen(fractionDigits)
        return negative ? -value : value
    }

    /// Every accepted form, with the fast path where it is exact and the standard library's
    /// correctly rounded conversion otherwise.
    private static func parseGeneral(_ bytes: UnsafeRawBufferPointer) -> Result {
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
            value = exponent < 0 ? value / exactPowerOfTen(-exponent) : value * exactPowerOfTen(exponent)
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
