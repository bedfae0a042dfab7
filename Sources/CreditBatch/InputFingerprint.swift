import CreditAudit
import CreditEngine
import CreditSQLite
import Foundation

/// What identifies a scoring input's content, recorded with a SQLite output
/// (``CreditSQLite/ScoringRunIdentity``) so a re-run never resumes from another input.
enum InputFingerprint {
    /// Bytes digested at each end of a file: enough to tell two inputs apart, and cheap on a large one.
    static let endBytes = 1 << 20

    /// A CSV file's size and the SHA-256 of its first and last MiB; standard input has none (it
    /// cannot be told apart, and resuming from it is the caller's own choice).
    static func csv(path: String) -> String {
        guard path != "-" else { return "standard input" }
        guard let handle = FileHandle(forReadingAtPath: path) else { return "unreadable" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        var digest = StreamingDigest()
        try? handle.seek(toOffset: 0)
        let head = (try? handle.read(upToCount: endBytes)) ?? Data()
        head.withUnsafeBytes { digest.update($0) }
        if size > UInt64(endBytes) {
            try? handle.seek(toOffset: max(UInt64(endBytes), size - UInt64(endBytes)))
            let tail = (try? handle.read(upToCount: endBytes)) ?? Data()
            tail.withUnsafeBytes { digest.update($0) }
        }
        return "bytes \(size); ends sha256 \(digest.finalizeHex())"
    }

    /// The run identity of scoring `input` with `bundle`.
    static func identity(of input: ScoringInput, bundle: ModelBundle) throws(SQLiteError) -> ScoringRunIdentity {
        switch input {
        case .csv(let path):
            let name = path == "-" ? "standard input" : URL(fileURLWithPath: path).lastPathComponent
            return ScoringRunIdentity(model: bundle.reference, modelSHA256: bundle.contentSHA256, input: name, inputFingerprint: csv(path: path))
        case .sqlite(let path, let table):
            let reader = try SQLiteTableReader(path: path, table: table)
            return ScoringRunIdentity(
                model: bundle.reference, modelSHA256: bundle.contentSHA256, input: reader.sourceName, inputFingerprint: try reader.fingerprint())
        }
    }
}
