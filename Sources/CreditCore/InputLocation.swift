/// Where a value came from: a source name, a 1-based physical line and a field name.
///
/// Used by every data error so a person can find the offending cell. It never carries the
/// value itself (applicant data stays out of messages and logs).
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The input's name: a file name, `stdin`, `request`, or a JSON document name.
    public var source: String
    /// 1-based physical line in the source, or `nil` when lines do not apply.
    public var line: Int?
    /// The column, field or JSON path, when the error concerns one.
    public var field: String?

    /// Creates a location.
    public init(source: String, line: Int? = nil, field: String? = nil) {
        self.source = source
        self.line = line
        self.field = field
    }

    /// `applications.csv:1042, field 'income'`.
    public var description: String {
        var text = source
        if let line { text += ":\(line)" }
        if let field { text += ", field '\(field)'" }
        return text
    }
}
