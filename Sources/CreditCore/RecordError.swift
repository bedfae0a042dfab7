/// Why one input record could not be used, and where. The message names the field and the rule
/// it broke, never the field's value.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the record.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// A field the model needs is empty and its missing-value policy is `reject`.
        case missingValue
        /// A numeric field does not hold a number (for example `1,5` where `.` is the decimal point).
        case notANumber
        /// A numeric field holds NaN or ±infinity.
        case notFinite
        /// A categorical field holds a level the model never saw and its policy is `reject`.
        case unknownCategory
        /// The record has a different number of fields than the header.
        case raggedRow(expected: Int, found: Int)
        /// The record's quoting is broken (text after a closing quote, or a quote never closed).
        case malformedQuoting(String)
        /// The record is over the reader's size limits (a field too long, too many fields, or a row
        /// too long to hold); the detail names the limit. Its bytes were skipped.
        case oversized(String)

        /// A stable, machine-readable code for the reason (used in rejects files and summaries).
        public var code: String {
            switch self {
            case .missingValue: return "missing_value"
            case .notANumber: return "not_a_number"
            case .notFinite: return "not_finite"
            case .unknownCategory: return "unknown_category"
            case .raggedRow: return "ragged_row"
            case .malformedQuoting: return "malformed_quoting"
            case .oversized: return "oversized_row"
            }
        }

        public var description: String {
            switch self {
            case .missingValue: return "value is missing and the feature's policy rejects missing values"
            case .notANumber: return "value is not a number (expected digits with '.' as the decimal point)"
            case .notFinite: return "value is NaN or infinite"
            case .unknownCategory: return "category was not seen in training and the feature's policy rejects unknown categories"
            case .raggedRow(let expected, let found): return "row has \(found) fields, the header has \(expected)"
            case .malformedQuoting(let detail): return "malformed quoting: \(detail)"
            case .oversized(let detail): return "row over the size limits: \(detail)"
            }
        }
    }

    /// What was wrong.
    public var reason: Reason
    /// Where it was.
    public var location: InputLocation

    /// Creates an error for `reason` at `location`.
    public init(_ reason: Reason, at location: InputLocation) {
        self.reason = reason
        self.location = location
    }

    public var description: String { "\(location): \(reason)" }
}
