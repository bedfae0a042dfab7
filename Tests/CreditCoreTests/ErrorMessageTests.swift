import CreditCore
import Testing

@Suite("Error messages name the place, never the value")
struct ErrorMessageTests {
    @Test("locations render as file:line, field")
    func locations() {
        #expect(InputLocation(source: "applications.csv", line: 1042, field: "income").description == "applications.csv:1042, field 'income'")
        #expect(InputLocation(source: "stdin", line: 3).description == "stdin:3")
        #expect(InputLocation(source: "request", field: "amount").description == "request, field 'amount'")
    }

    @Test("record errors, verbatim", arguments: [
        (RecordError.Reason.notANumber, "a.csv:7, field 'x': value is not a number (expected digits with '.' as the decimal point)"),
        (.raggedRow(expected: 5, found: 6), "a.csv:7, field 'x': row has 6 fields, the header has 5"),
        (.missingValue, "a.csv:7, field 'x': value is missing and the feature's policy rejects missing values"),
    ])
    func recordErrors(reason: RecordError.Reason, message: String) {
        #expect(RecordError(reason, at: InputLocation(source: "a.csv", line: 7, field: "x")).description == message)
    }

    @Test("features in byte order agree with code-point order")
    func byteOrder() {
        #expect("B".precedesInByteOrder("a"))
        #expect("... < 0 DM".precedesInByteOrder("0 <= ..."))
        #expect(!"é".precedesInByteOrder("z"))
    }
}
