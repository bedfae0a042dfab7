/// A SQLite database or table that cannot be used, or a statement that failed.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `file.db` or `file.db:table`.
    public var source: String
    /// What went wrong, for the person running the job.
    public var problem: String

    /// Creates an error.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
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
