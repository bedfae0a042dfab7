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

/// The rows `query` returns, each as its columns joined by `|` (blobs in hex, NULL as `None`),
/// read through Python's sqlite3 module: an independent look at what a database holds.
/// - Throws: ``SQLiteScriptFailure`` when the query fails.
public func sqliteRows(_ database: String, _ query: String) throws -> [String] {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sqlite3, sys\nfor r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):\n"
            + "  print('|'.join(v.hex() if isinstance(v, bytes) else str(v) for v in r))",
        database, query,
    ]
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SQLiteScriptFailure(status: process.terminationStatus) }
    return text.split(separator: "\n").map(String.init)
}
