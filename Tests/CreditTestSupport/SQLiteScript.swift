import Foundation

/// A SQL script that failed to run.
public struct SQLiteScriptFailure: Error, CustomStringConvertible {
    public var status: Int32
    public var description: String { "python3's sqlite3 exited with status \(status)" }
}

/// Runs a SQL script on a database through Python's sqlite3 module: outside the engine's code,
/// as an independent tool builds fixtures and as an attacker with write access to the file would
/// tamper with a store.
/// - Throws: ``SQLiteScriptFailure`` when the script fails.
public func sqlite(_ database: String, _ script: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", database, script]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SQLiteScriptFailure(status: process.terminationStatus) }
}

/// The first column of every row `query` returns, read through Python's sqlite3 module (blobs in
/// hex): an independent look at what a store holds.
/// - Throws: ``SQLiteScriptFailure`` when the query fails.
public func sqliteColumn(_ database: String, _ query: String) throws -> [String] {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sqlite3, sys\nfor r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(r[0].hex() if isinstance(r[0], bytes) else r[0])",
        database, query,
    ]
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SQLiteScriptFailure(status: process.terminationStatus) }
    return text.split(separator: "\n").map(String.init)
}
