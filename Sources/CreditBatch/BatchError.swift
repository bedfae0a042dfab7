public import CreditCSV
public import CreditCore
public import CreditSQLite

/// A problem that stops a batch job, with the location to fix.
public enum BatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading or writing CSV failed, or the header is unusable.
    case csv(CSVError)
    /// Reason codes were asked of a model that is not a scorecard.
    case reasonsNeedScorecard(model: String)
    /// A SQLite database or table cannot be read or written.
    case sqlite(SQLiteError)
    /// A record that a fit cannot do without (fitting needs every row) is invalid.
    case record(RecordError)
    /// The target column holds a value that is neither the event label nor the one non-event label.
    case invalidTarget(InputLocation, detail: String)
    /// A value that the job cannot use (a bureau score out of range, say); the job stopped.
    case invalidValue(InputLocation, detail: String)
    /// More rows were rejected than `--max-rejects` allows; the run stopped.
    case tooManyRejects(limit: Int, summary: ScoringSummary)
    /// A decision run rejected more rows than `--max-rejects` allows; the run stopped.
    case tooManyDecisionRejects(limit: Int, summary: DecisionSummary)
    /// Shard outputs cannot be merged: the set does not reconcile, or a file disagrees with its summary.
    case shardsNotMergeable(String)

    public var description: String {
        switch self {
        case .csv(let error): return error.description
        case .sqlite(let error): return error.description
        case .reasonsNeedScorecard(let model): return "\(model) is not a scorecard; reason codes (--reasons) need a scorecard model"
        case .record(let error): return error.description
        case .invalidTarget(let location, let detail), .invalidValue(let location, let detail): return "\(location): \(detail)"
        case .tooManyRejects(let limit, let summary):
            return "stopped: \(summary.rowsRejected) rows rejected, more than the limit of \(limit) "
                + "(read \(summary.rowsRead), scored \(summary.rowsScored)); see the rejects file"
        case .shardsNotMergeable(let detail): return "cannot merge the shards: \(detail)"
        case .tooManyDecisionRejects(let limit, let summary):
            return "stopped: \(summary.rowsRejected) rows rejected, more than the limit of \(limit) "
                + "(read \(summary.rowsRead), decided \(summary.rowsDecided)); see the rejects file"
        }
    }
}
