import CreditAudit
import CreditCSV
import CreditEngine
import CreditSQLite

/// What identifies a scoring input's content, recorded with a SQLite output
/// (``CreditSQLite/ScoringRunIdentity``) so a re-run never resumes from another input.
enum InputFingerprint {
    /// Bytes digested at each end of a file: enough to tell two inputs apart, and cheap on a large one.
    static let endBytes = 1 << 20

    /// A CSV file's size and the SHA-256 of its first and last MiB; standard input has none (it
    /// cannot be told apart, and resuming from it is the caller's own choice).
    static func csv(path: String) -> (name: String, fingerprint: String) {
        guard path != "-" else { return ("standard input", "standard input") }
        guard let ends = FileEnds(path: path, count: endBytes) else { return (path.split(separator: "/").last.map(String.init) ?? path, "unreadable") }
        var digest = StreamingDigest()
        ends.head.withUnsafeBytes { digest.update($0) }
        ends.tail.withUnsafeBytes { digest.update($0) }
        return (ends.name, "bytes \(ends.size); ends sha256 \(digest.finalizeHex())")
    }

    /// The run identity of scoring `input` with `bundle`.
    static func identity(of input: ScoringInput, bundle: ModelBundle) throws(SQLiteError) -> ScoringRunIdentity {
        switch input {
        case .csv(let path):
            let (name, fingerprint) = csv(path: path)
            return ScoringRunIdentity(model: bundle.reference, modelSHA256: bundle.contentSHA256, input: name, inputFingerprint: fingerprint)
        case .sqlite(let path, let table):
            let reader = try SQLiteTableReader(path: path, table: table)
            return ScoringRunIdentity(
                model: bundle.reference, modelSHA256: bundle.contentSHA256, input: reader.sourceName, inputFingerprint: try reader.fingerprint())
        }
    }
}
