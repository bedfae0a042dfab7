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
    private var pendingKept: [[String]] = []
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

    /// Adds one record: its feature values (model order), the kept columns and its row number.
    mutating func add(_ values: [FeatureValue], kept: [String], row: Int, location: () -> InputLocation) {
        rowsRead += 1
        do {
            try scorer.append(values)
        } catch {
            var place = location()
            place.field = bundle.file.model.features[error.featureIndex].name
            reject(RecordError(error.reason, at: place), counted: true)
            return
        }
        pendingKept.append(kept)
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
        for (index, eta) in etas.enumerated() {
            if writeRowNumber { output.append(integer: pendingRows[index]) }
            for value in pendingKept[index] { output.append(field: value) }
            output.append(number: LogisticModel.probability(linearPredictor: eta))
            output.append(number: bundle.file.scaling.score(linearPredictor: eta))
            output.endRecord()
            outputRowEnds.append(output.count)
        }
        pendingKept.removeAll(keepingCapacity: true)
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
