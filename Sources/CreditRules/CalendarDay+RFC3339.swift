extension CalendarDay {
    /// The date of an RFC 3339 `date-time` (`2026-03-01T10:15:00+07:00`, `2026-03-01T03:15:00.5Z`),
    /// checked strictly: every field in range (seconds up to 60 for a leap second, offsets up to
    /// ±23:59), `T` (or `t`) between date and time, `Z` or a numeric offset, nothing before or
    /// after. The date is the one written, in the sender's zone.
    public init?(rfc3339DateTime text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count > 10, Self.isValidTime(bytes.dropFirst(10)), let day = CalendarDay(iso: text.prefix(10)) else { return nil }
        self = day
    }

    /// `THH:MM:SS[.fraction](Z|±HH:MM)`.
    private static func isValidTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        func take(_ byte: UInt8) -> Bool {
            guard rest.first == byte else { return false }
            rest.removeFirst()
            return true
        }
        func twoDigits(max: Int) -> Bool {
            guard rest.count >= 2, let high = digit(rest[rest.startIndex]), let low = digit(rest[rest.startIndex + 1]) else { return false }
            rest.removeFirst(2)
            return high * 10 + low <= max
        }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) else { return false }
        guard twoDigits(max: 23), take(UInt8(ascii: ":")), twoDigits(max: 59), take(UInt8(ascii: ":")), twoDigits(max: 60) else {
            return false
        }
        if take(UInt8(ascii: ".")) {
            guard let first = rest.first, digit(first) != nil else { return false }
            while let next = rest.first, digit(next) != nil { rest.removeFirst() }
        }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return rest.isEmpty }
        guard take(UInt8(ascii: "+")) || take(UInt8(ascii: "-")) else { return false }
        return twoDigits(max: 23) && take(UInt8(ascii: ":")) && twoDigits(max: 59) && rest.isEmpty
    }

    private static func digit(_ byte: UInt8) -> Int? { byte >= 48 && byte <= 57 ? Int(byte - 48) : nil }
}
