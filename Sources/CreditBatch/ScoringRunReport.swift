public import CreditEngine
import CreditSQLite

/// What `credit score --summary` writes: the counts, what was scored with what, and how the run
/// ended. `credit shards reconcile` reads these back, so a set of shard runs can be checked
/// against each other (same model, same input, every row once) and merged.
public struct ScoringRunReport: Codable, Sendable, Equatable {
    /// The input a run read, as far as it can be told apart from another input.
    public struct Input: Codable, Sendable, Equatable {
        /// `csv` or `sqlite`.
        public var kind: String
        /// The file (or table) name, without directories.
        public var name: String
        /// The file's size and the SHA-256 of its ends (CSV), or the table's row count and
        /// rowid range and the digest of its schema (SQLite); `standard input` when it has none.
        public var fingerprint: String
    }

    /// The run's counts.
    public var summary: ScoringSummary
    /// Where scores and rejects went.
    public var output: ScoringOutput
    /// The input read.
    public var input: Input
    /// The SHA-256 of the model file's content.
    public var modelSHA256: String
    /// Wall-clock time of the run.
    public var elapsedSeconds: Double
    /// Input rows (all shards' rows, for a shard) per second.
    public var rowsPerSecond: Double
    /// Whether every row read was scored or rejected.
    public var reconciles: Bool
    /// Why the run stopped before the end of its input (`nil`: it read all of it).
    public var stoppedBecause: String?

    /// The report of a run of `bundle` over `input` that produced `summary`.
    public init(
        summary: ScoringSummary, input: ScoringInput, output: ScoringOutput, bundle: ModelBundle, elapsedSeconds: Double,
        stoppedBecause: String?
    ) {
        self.summary = summary
        self.output = output
        switch input {
        case .csv(let path):
            let (name, fingerprint) = InputFingerprint.csv(path: path)
            self.input = Input(kind: "csv", name: name, fingerprint: fingerprint)
        case .sqlite:
            let identity = try? InputFingerprint.identity(of: input, bundle: bundle)
            self.input = Input(kind: "sqlite", name: identity?.input ?? summary.source, fingerprint: identity?.inputFingerprint ?? "unreadable")
        }
        modelSHA256 = bundle.contentSHA256
        self.elapsedSeconds = elapsedSeconds
        let rows = Double(summary.rowsRead + summary.rowsInOtherShards + summary.rowsAlreadyStored)
        rowsPerSecond = elapsedSeconds > 0 ? rows / elapsedSeconds : 0
        reconciles = summary.reconciles
        self.stoppedBecause = stoppedBecause
    }
}
