import CreditCSV
import CreditEngine

/// Scores records in input order and formats the results: scored rows into `output`, rows that
/// cannot be scored into `rejects`. Shared by every input (CSV blocks, SQLite).
///
/// Records wait in a ``CreditModels/BatchScorer`` until it is full, then are scored with one BLAS
/// call and formatted. Each reject remembers how many rows had been scored and how much text had
/// been written before it, so a reject limit can stop the output at exactly that row.
struct ScoredBatch {
    /// A point at which a reject was recorded.
    struct RejectMark {
        /// Rows read up to and including the rejected one.
        var rowsRead: Int
        /// Rows scored before it.
        var rowsScored: Int
        /// Length of `rejects` text after its line.
        var rejectBytes: Int
    }

    let bundle: ModelBundle
    private(set) var output = CSVFormatter()
    private(set) var rejects = CSVFormatter()
    /// End of each scored row's text in `output`.
    private(set) var outputRowEnds: [Int] = []
    private(set) var marks: [RejectMark] = []
    private(set) var rowsRead = 0
    private(set) var rejectsByReason: [String: Int] = [:]
    private var scorer: BatchScorer
    /// Kept columns of the rows waiting in `scorer`, as CSV fields, and where each row's end.
    private var pendingKept = CSVFormatter()
    private var pendingKeptEnds: [Int] = []
    private var pendingRows: [Int] = []
    private let writeRowNumber: Bool

    /// A batch for `bundle`; `writeRowNumber` puts each row's line (or row id) first in the output.
    init(bundle: ModelBundle, capacity: Int, writeRowNumber: Bool) {
        self.bundle = bundle
        self.scorer = BatchScorer(model: bundle.file.model, capacity: capacity)
        self.writeRowNumber = writeRowNumber
    }

    var rowsScored: Int { outputRowEnds.count }
    var rowsRejected: Int { marks.count }

    /// Adds one record given as feature values (model order); `keep` appends its kept columns.
    mutating func add(
        _ values: [FeatureValue], row: Int, location: () -> InputLocation, keep: (inout CSVFormatter) -> Void
    ) {
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
        row: Int, location: () -> InputLocation, keep: (inout CSVFormatter) -> Void,
        encode: (inout BatchScorer) -> ScoringFailure?
    ) {
        rowsRead += 1
        if let failure = encode(&scorer) {
            var place = location()
            place.field = bundle.file.model.features[failure.featureIndex].name
            reject(RecordError(failure.reason, at: place), counted: true)
            return
        }
        pendingKept.startFields()
        keep(&pendingKept)
        pendingKeptEnds.append(pendingKept.count)
        pendingRows.append(row)
        if scorer.isFull { scorePending() }
    }

    /// Records a row that cannot be scored (`counted`: whether ``add(_:kept:row:location:)`` already counted it as read).
    mutating func reject(_ error: RecordError, counted: Bool = false) {
        if !counted { rowsRead += 1 }
        scorePending()
        rejectsByReason[error.reason.code, default: 0] += 1
        rejects.append(record: [
            error.location.source, error.location.line.map(String.init) ?? "", error.location.field ?? "",
            error.reason.code, error.reason.description,
        ])
        marks.append(RejectMark(rowsRead: rowsRead, rowsScored: rowsScored, rejectBytes: rejects.count))
    }

    /// Scores and formats the records waiting in the scorer.
    mutating func scorePending() {
        guard scorer.count > 0 else { return }
        let etas = scorer.linearPredictors()
        var keptStart = 0
        for (index, eta) in etas.enumerated() {
            if writeRowNumber { output.append(integer: pendingRows[index]) }
            let keptEnd = pendingKeptEnds[index]
            if keptEnd > keptStart { output.append(formattedFields: pendingKept.bytes[keptStart..<keptEnd]) }
            keptStart = keptEnd
            output.append(number: LogisticModel.probability(linearPredictor: eta))
            output.append(number: bundle.file.scaling.score(linearPredictor: eta))
            output.endRecord()
            outputRowEnds.append(output.count)
        }
        pendingKept.removeAll()
        pendingKeptEnds.removeAll(keepingCapacity: true)
        pendingRows.removeAll(keepingCapacity: true)
    }

    /// Empties the formatted text and counts, keeping storage (for reuse on the next batch).
    mutating func removeAll() {
        output.removeAll()
        rejects.removeAll()
        outputRowEnds.removeAll(keepingCapacity: true)
        marks.removeAll(keepingCapacity: true)
        rowsRead = 0
        rejectsByReason = [:]
    }
}
