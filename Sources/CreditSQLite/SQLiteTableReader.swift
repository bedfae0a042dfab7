import GRDB
import Glibc

/// One value read from SQLite, in the engine's own terms (no GRDB type crosses this module).
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob
}

/// Streams the rows of one table in `rowid` order with a GRDB cursor: memory stays flat
/// whatever the table size.
public final class SQLiteTableReader {
    /// `file.db:table`, for messages and rejects.
    public let sourceName: String
    /// The table's columns, in declaration order.
    public let columns: [String]
    private let queue: DatabaseQueue
    private let table: String

    /// Opens `path` read-only and reads `table`'s columns.
    /// - Throws: ``SQLiteError`` when the file or table does not exist or cannot be read.
    public init(path: String, table: String) throws(SQLiteError) {
        let source = "\(fileName(of: path)):\(table)"
        var status = stat()
        guard stat(path, &status) == 0 else { throw SQLiteError(source: source, problem: "no such database file", kind: .inputMissing) }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let columns = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0[0] as String }
            }
            guard !columns.isEmpty else { throw SQLiteError(source: source, problem: "no such table") }
            self.queue = queue
            self.columns = columns
        } catch let error as SQLiteError {
            throw error
        } catch let error as DatabaseError {
            let kind: SQLiteError.Kind = error.resultCode == .SQLITE_CANTOPEN ? .inputMissing : SQLiteError.kind(of: error, opening: false)
            throw SQLiteError(source: source, problem: error.message ?? "cannot be opened", kind: kind)
        } catch {
            throw SQLiteError(source: source, problem: "cannot be opened: \(error)")
        }
        self.sourceName = source
        self.table = table
    }

    /// What identifies the table's content for a resumed run: its columns, row count and rowid
    /// range (a table that was replaced, or had rows added or removed, has another).
    /// - Throws: ``SQLiteError`` when reading fails.
    public func fingerprint() throws(SQLiteError) -> String {
        do {
            return try queue.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT count(*), min(rowid), max(rowid) FROM \(quotedIdentifier(table))")
                let count: Int = row?[0] ?? 0
                let first: Int64? = row?[1]
                let last: Int64? = row?[2]
                return "columns \(columns.joined(separator: ",")); rows \(count); rowids \(first.map(String.init) ?? "-")..\(last.map(String.init) ?? "-")"
            }
        } catch {
            throw SQLiteError(source: sourceName, problem: "read failed: \(error)")
        }
    }

    /// Number of rows with `rowid` at most `rowid`.
    /// - Throws: ``SQLiteError`` when reading fails.
    public func count(throughRowid rowid: Int64) throws(SQLiteError) -> Int {
        do {
            return try queue.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quotedIdentifier(table)) WHERE rowid <= ?", arguments: [rowid]) ?? 0
            }
        } catch {
            throw SQLiteError(source: sourceName, problem: "read failed: \(error)")
        }
    }

    /// Calls `body` with each row's `rowid` and values (in ``columns`` order), in `rowid` order,
    /// starting after `rowid` `after` (every row, negative and zero `rowid`s included, when `nil`).
    /// - Throws: ``SQLiteError`` when reading fails, or what `body` throws.
    public func forEachRow(after: Int64? = nil, _ body: (Int64, [SQLiteValue]) throws -> Void) throws {
        let list = columns.map(quotedIdentifier).joined(separator: ", ")
        let filter = after == nil ? "" : " WHERE rowid > ?"
        let sql = "SELECT rowid, \(list) FROM \(quotedIdentifier(table))\(filter) ORDER BY rowid"
        do {
            try queue.read { db in
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(after.map { [$0] } ?? []))
                var values = Array(repeating: SQLiteValue.null, count: columns.count)
                while let row = try cursor.next() {
                    let rowid: Int64 = row[0]
                    for index in 0..<columns.count {
                        switch (row[index + 1] as DatabaseValue).storage {
                        case .null: values[index] = .null
                        case .int64(let value): values[index] = .integer(value)
                        case .double(let value): values[index] = .real(value)
                        case .string(let value): values[index] = .text(value)
                        case .blob: values[index] = .blob
                        }
                    }
                    try body(rowid, values)
                }
            }
        } catch let error as DatabaseError {
            throw SQLiteError(source: sourceName, problem: error.message ?? "read failed")
        }
    }
}
