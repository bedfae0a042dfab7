import GRDB

/// A SQLite database or table that cannot be used, or a statement that failed.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `file.db` or `file.db:table`.
    public var source: String
    /// What went wrong, for the person running the job.
    public var problem: String
    /// What kind of failure it is, for the exit code.
    public var kind: Kind

    /// What kind of failure an error is.
    public enum Kind: Sendable, Equatable {
        /// The input database does not exist (exit 66).
        case inputMissing
        /// The output database cannot be created (exit 73).
        case cannotCreate
        /// Reading or writing failed: disk full, I/O error (exit 74).
        case ioFailure
        /// The database's content does not fit the job (exit 65).
        case content
    }

    /// Creates an error.
    public init(source: String, problem: String, kind: Kind = .content) {
        self.source = source
        self.problem = problem
        self.kind = kind
    }

    /// The kind of failure a GRDB error stands for.
    static func kind(of error: DatabaseError, opening: Bool) -> Kind {
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR: return .ioFailure
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY: return opening ? .cannotCreate : .ioFailure
        default: return .content
        }
    }

    public var description: String { "\(source): \(problem)" }
}

/// `"name"` with embedded quotes doubled: an SQL identifier that is always read as a name.
func quotedIdentifier(_ name: String) -> String {
    var quoted = "\""
    for character in name {
        if character == "\"" { quoted.append("\"") }
        quoted.append(character)
    }
    return quoted + "\""
}

/// The last path component, used in messages (no directories of the machine).
func fileName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
