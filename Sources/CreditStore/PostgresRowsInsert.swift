import Foundation
import PostgresNIO

/// One `INSERT … VALUES (…), (…), …` of many rows, every value bound (never spliced into the
/// SQL), each with the cast its column needs.
struct RowsInsert {
    /// A value and the column type it is bound for.
    enum Value {
        case text(String?)
        case uuid(String?)
        case double(Double?)
        case integer(Int64)
        case bytes(Data)
        /// A UTC timestamp as the chain hashes it (``PostgresDecisionStore/isCanonicalTimestamp(_:)``).
        case time(String)
        /// `YYYY-MM-DD`.
        case date(String)
    }

    private let head: String
    private var bindings = PostgresBindings()
    private var rows: [String] = []

    init(_ head: String) { self.head = head }

    mutating func row(_ values: [Value]) throws {
        var placeholders: [String] = []
        for value in values {
            let cast: String
            switch value {
            case .text(let text): (cast, _) = ("", bindings.append(text))
            case .uuid(let id): (cast, _) = ("::uuid", bindings.append(id))
            case .double(let number): (cast, _) = ("::float8", bindings.append(number))
            case .integer(let number): (cast, _) = ("", bindings.append(number))
            case .bytes(let data): (cast, _) = ("", try bindings.append(data))
            case .time(let text): (cast, _) = ("::timestamptz", bindings.append(text))
            case .date(let text): (cast, _) = ("::date", bindings.append(text))
            }
            placeholders.append("$\(bindings.count)\(cast)")
        }
        rows.append("(" + placeholders.joined(separator: ", ") + ")")
    }

    /// The statement, with `suffix` (`ON CONFLICT …`) after the rows.
    func query(suffix: String = "") -> PostgresQuery {
        PostgresQuery(unsafeSQL: head + " " + rows.joined(separator: ", ") + suffix, binds: bindings)
    }
}
