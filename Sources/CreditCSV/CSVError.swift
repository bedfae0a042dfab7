public import CreditCore

/// A problem that stops reading or writing a whole file (as opposed to one bad record, which is
/// a ``CreditCore/RecordError``).
public enum CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be opened.
    case cannotOpen(path: String, reason: String)
    /// An output file cannot be created (no such directory, no permission).
    case cannotCreate(path: String, reason: String)
    /// Two of a job's files are the same file (an output would overwrite an input or another
    /// output); nothing was opened.
    case sameFile(first: String, second: String)
    /// Reading failed part-way.
    case readFailed(source: String, reason: String)
    /// Writing failed (disk full, closed pipe).
    case writeFailed(destination: String, reason: String)
    /// A field is longer than the limit; an unclosed quote usually causes this.
    case fieldTooLarge(InputLocation, limit: Int)
    /// A record has more fields than the limit.
    case tooManyFields(InputLocation, limit: Int)
    /// The input has no header row.
    case emptyInput(source: String)
    /// The header names the same column twice.
    case duplicateColumn(InputLocation)
    /// The header lacks a column the job needs.
    case missingColumn(InputLocation)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open '\(path)': \(reason)"
        case .cannotCreate(let path, let reason):
            return "cannot create '\(path)': \(reason)"
        case .sameFile(let first, let second):
            return "'\(first)' and '\(second)' are the same file; name a different output"
        case .readFailed(let source, let reason):
            return "\(source): read failed: \(reason)"
        case .writeFailed(let destination, let reason):
            return "\(destination): write failed: \(reason)"
        case .fieldTooLarge(let location, let limit):
            return "\(location): field is longer than \(limit) bytes (is a quote left unclosed?)"
        case .tooManyFields(let location, let limit):
            return "\(location): the row has more than \(limit) fields"
        case .emptyInput(let source):
            return "\(source): the input is empty; a header row is required"
        case .duplicateColumn(let location):
            return "\(location): the header names this column more than once"
        case .missingColumn(let location):
            return "\(location): required column is not in the header"
        }
    }
}
