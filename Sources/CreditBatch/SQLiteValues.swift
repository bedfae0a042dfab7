import CreditCSV
import CreditEngine
import CreditSQLite

/// How SQLite values become feature values and kept text.
enum SQLiteValues {
    /// A value for a numeric or categorical feature. `NULL` and empty text are missing; text in a
    /// numeric column is parsed as a number (`'1,5'` is not a number); a number in a categorical
    /// column is matched as text; a blob is not a number (numeric) or an unknown category.
    static func featureValue(_ value: SQLiteValue, numeric: Bool) -> FeatureValue {
        switch value {
        case .null: return .missing
        case .integer(let number): return numeric ? .number(Double(number)) : .category(String(number))
        case .real(let number): return numeric ? .number(number) : .category("\(number)")
        case .text(let text):
            guard !text.isEmpty else { return .missing }
            guard numeric else { return .category(text) }
            // The CSV reader's grammar, so `0x10`, `1_000` or `infinity` in a text cell is refused
            // exactly as in a CSV file (Swift's `Double(_:)` would read hex and `inf`).
            var bytes = Array(text.utf8)
            switch bytes.withUnsafeMutableBytes({ NumberParser.parse(UnsafeRawBufferPointer($0)) }) {
            case .value(let number): return .number(number)
            case .empty: return .missing
            case .notFinite: return .number(.infinity)
            // A category value for a numeric feature is rejected as not a number.
            case .notANumber: return .category(text)
            }
        // A category value for a numeric feature is rejected as not a number; no level is a blob.
        case .blob: return numeric ? .category("blob") : .category("\u{0}blob")
        }
    }

    /// A kept column's value as text (`NULL` as empty).
    static func text(_ value: SQLiteValue) -> String {
        switch value {
        case .null, .blob: return ""
        case .integer(let number): return String(number)
        case .real(let number): return "\(number)"
        case .text(let text): return text
        }
    }
}
