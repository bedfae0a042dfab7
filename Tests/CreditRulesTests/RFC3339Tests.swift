import CreditRules
import Testing

@Suite("RFC 3339 date-times, strictly")
struct RFC3339Tests {
    @Test(
        "valid date-times give the date as written",
        arguments: [
            ("2026-03-01T10:15:00+07:00", "2026-03-01"), ("2026-03-01T03:15:00Z", "2026-03-01"), ("2026-03-01t03:15:00.123456z", "2026-03-01"),
            ("2024-02-29T23:59:60-12:30", "2024-02-29"), ("2026-12-31T00:00:00.5+00:00", "2026-12-31"),
        ])
    func accepted(text: String, date: String) {
        #expect(CalendarDay(rfc3339DateTime: text)?.description == date)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "2026-03-01Tnot-a-time-at-all", "2026-03-01T99:99:99+99:99", "2026-03-01 <script>x</script>", "2026-03-01",
            "2026-03-01T10:15:00", "2026-03-01T10:15:00+0700", "2026-03-01T10:15+07:00", "2026-03-01T24:00:00Z", "2026-03-01T10:60:00Z",
            "2026-03-01T10:15:61Z", "2026-03-01T10:15:00.Z", "2026-03-01T10:15:00Z ", " 2026-03-01T10:15:00Z", "2026-02-30T10:15:00Z",
            "2026-03-01T10:15:00+24:00", "2026-03-01T10:15:00+07:60", "2026-03-01 10:15:00Z", "2026-03-01T10:15:00Z\u{0}",
            "２026-03-01T10:15:00Z", "",
        ])
    func refused(text: String) {
        #expect(CalendarDay(rfc3339DateTime: text) == nil)
    }
}
