import CreditCSV
import CreditEngine
import CreditSQLite

/// The kept input columns of the rows waiting to be scored: CSV text (all rows back to back,
/// for CSV output) or the current row's values (for SQLite).
struct KeptFields {
    private(set) var text = CSVFormatter()
    private(set) var values: [String] = []
    let collectsValues: Bool

    /// Adds one kept field given as bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if collectsValues { values.append(String(decoding: bytes, as: UTF8.self)) } else { text.append(fieldBytes: bytes) }
    }

    /// Adds one kept field given as text.
    mutating func append(_ value: String) {
        if collectsValues { values.append(value) } else { text.append(field: value) }
    }

    fileprivate mutating func startRow() {
        text.startFields()
        values.removeAll(keepingCapacity: true)
    }

    fileprivate mutating func removeAll() {
        text.removeAll()
        values.removeAll(keepingCapacity: true)
    }
}

/// Scores records in input order and collects the results: scored rows and rows that cannot be
/// scored, as CSV text or as rows for SQLite. Shared by every input (CSV blocks, SQLite tables).
///
/// Records wait in a ``CreditModels/BatchScorer`` until it is full, then are scored with one BLAS
/// call. Each reject remembers how many rows had been read and scored before it, so a reject
/// limit can stop the output at exactly that row.
struct ScoredBatch {
    /// A point at which a reject was recorded.
    struct RejectMark {
        /// Rows read up to and including the rejected one.
        var rowsRead: Int
        /// Rows scored before it.
        var rowsScored: Int
        /// Length of the rejects CSV text after its line.
        var rejectBytes: Int
        /// The reject's reason code.
        var reason: String
    }

    let bundle: ModelBundle
    /// Whether results are kept as rows (for SQLite) instead of CSV text.
    let collectsRows: Bool
    private(set) var output = CSVFormatter()
    private(set) var rejects = CSVFormatter()
    /// End of each scored row's text in `output`.
    private(set) var outputRowEnds: [Int] = []
    private(set) var scoredRows: [ScoredRow] = []
    private(set) var rejectedRows: [RejectedRow] = []
    private(set) var marks: [RejectMark] = []
    private(set) var rowsRead = 0
    private(set) var rowsScored = 0
    private(set) var rejectsByReason: [String: Int] = [:]
    private var scorer: BatchScorer
    /// Kept columns of the rows waiting in `scorer`: CSV text with each row's end, or values.
    private var kept: KeptFields
    private var keptTextEnds: [Int] = []
    private var keptValues: [[String]] = []
    private var pendingRows: [Int] = []
    private let writeRowNumber: Bool
    /// Reason columns per row (scorecards).
    private let reasonCount: Int
    /// Scorecards: their points, reasons and output, prepared once per job.
    private let scorecard: ScorecardColumns?

    /// A batch for `bundle`; `writeRowNumber` puts each row's line first in CSV output;
    /// `reasonCount` reason codes follow the score (scorecards only, whose `scorecard` columns
    /// must be given).
    init(bundle: ModelBundle, scorecard: ScorecardColumns?, capacity: Int, writeRowNumber: Bool, collectsRows: Bool, reasonCount: Int = 0) {
        precondition((scorecard == nil) == (bundle.file.scorecard == nil), "scorecard columns go with scorecard models")
        self.bundle = bundle
        self.writeRowNumber = writeRowNumber
        self.collectsRows = collectsRows
        self.reasonCount = reasonCount
        self.kept = KeptFields(collectsValues: collectsRows)
        self.scorecard = scorecard
        // A scorecard's total is the integer sum of its bins' points: no design matrix, no BLAS.
        self.scorer = scorecard == nil ? BatchScorer(model: bundle.model, capacity: capacity) : BatchScorer(levelsOf: bundle.model, capacity: capacity)
    }

    var rowsRejected: Int { marks.count }

    /// Adds one record given as feature values (model order); `keep` appends its kept columns.
    mutating func add(_ values: [FeatureValue], row: Int, location: () -> InputLocation, keep: (inout KeptFields) -> Void) {
        add(row: row, location: location, keep: keep) { scorer in
            do throws(ScoringFailure) {
                try scorer.append(values)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Adds one record that `encode` writes into the scorer with the row-by-row encoding API
    /// (returning a failure instead when a value cannot be scored); `keep` appends its kept columns.
    mutating func add(
        row: Int, location: () -> InputLocation, keep: (inout KeptFields) -> Void, encode: (inout BatchScorer) -> ScoringFailure?
    ) {
        rowsRead += 1
        if let failure = encode(&scorer) {
            var place = location()
            place.field = bundle.model.features[failure.featureIndex].name
            reject(RecordError(failure.reason, at: place), row: row, counted: true)
            return
        }
        kept.startRow()
        keep(&kept)
        if collectsRows { keptValues.append(kept.values) } else { keptTextEnds.append(kept.text.count) }
        pendingRows.append(row)
        if scorer.isFull { scorePending() }
    }

    /// Records a row that cannot be scored (`counted`: whether `add` already counted it as read).
    mutating func reject(_ error: RecordError, row: Int, counted: Bool = false) {
        if !counted { rowsRead += 1 }
        scorePending()
        rejectsByReason[error.reason.code, default: 0] += 1
        if collectsRows {
            rejectedRows.append(RejectedRow(
                sourceRow: row, source: error.location.source, field: error.location.field,
                reason: error.reason.code, message: error.reason.description))
        } else {
            rejects.append(record: [
                error.location.source, error.location.line.map(String.init) ?? "", error.location.field ?? "",
                error.reason.code, error.reason.description,
            ])
        }
        marks.append(RejectMark(rowsRead: rowsRead, rowsScored: rowsScored, rejectBytes: rejects.count, reason: error.reason.code))
    }

    /// Scores the records waiting in the scorer and collects their results.
    mutating func scorePending() {
        let count = scorer.count
        guard count > 0 else { return }
        let scorecard = self.scorecard
        let etas = scorecard == nil ? scorer.linearPredictors() : []
        var reasons: [Int] = []
        reasons.reserveCapacity(reasonCount + 1)
        var textStart = 0
        for index in 0..<count {
            var total = 0
            if let scorecard {
                // The exact integer total from the bins, as the single-record path computes it.
                total = scorecard.table.score(row: index, of: scorer, reasonLimit: reasonCount, reasons: &reasons)
            }
            if collectsRows {
                let (probability, score) = scorecard.map { ($0.probabilityOfDefault(total: total), Double(total)) }
                    ?? (LogisticModel.probability(linearPredictor: etas[index]), bundle.file.scaling.score(linearPredictor: etas[index]))
                scoredRows.append(ScoredRow(
                    sourceRow: pendingRows[index], kept: keptValues[index], probabilityOfDefault: probability, score: score,
                    reasons: reasonCount > 0 ? reasons.map { scorecard?.codes[$0] ?? "" } : nil))
                continue
            }
            if writeRowNumber { output.append(integer: pendingRows[index]) }
            let textEnd = keptTextEnds[index]
            if textEnd > textStart { output.append(formattedFields: kept.text.bytes, range: textStart..<textEnd) }
            textStart = textEnd
            if let scorecard {
                scorecard.appendScore(total: total, to: &output)
                for position in 0..<reasonCount {
                    if position < reasons.count { scorecard.appendReason(reasons[position], to: &output) } else { output.append(field: "") }
                }
            } else {
                output.append(number: LogisticModel.probability(linearPredictor: etas[index]))
                output.append(number: bundle.file.scaling.score(linearPredictor: etas[index]))
            }
            output.endRecord()
            outputRowEnds.append(output.count)
        }
        if scorecard != nil { scorer.removeAll() }
        rowsScored += count
        kept.removeAll()
        keptTextEnds.removeAll(keepingCapacity: true)
        keptValues.removeAll(keepingCapacity: true)
        pendingRows.removeAll(keepingCapacity: true)
    }
}
