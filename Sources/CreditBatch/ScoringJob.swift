public import CreditCSV
public import CreditEngine
import CreditSQLite

/// One of `count` disjoint parts of an input, by data-row number: row `r` (1-based, header and
/// blank lines not counted) belongs to part `((r - 1) % count) + 1`. `n` processes with parts
/// `1/n … n/n` together score every row exactly once.
public struct Shard: Sendable, Equatable, Codable, CustomStringConvertible {
    /// This part, 1-based.
    public let index: Int
    /// Number of parts.
    public let count: Int

    /// Parses `i/n` with `1 <= i <= n`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 1, index <= count else {
            return nil
        }
        self.index = index
        self.count = count
    }

    /// Whether data row `row` is in this part: CSV lines are 1-based, SQLite `rowid`s may be 0 or
    /// negative, and every integer is in exactly one part.
    public func contains(row: Int) -> Bool {
        let remainder = row.subtractingReportingOverflow(1).partialValue % count
        return (remainder < 0 ? remainder + count : remainder) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}

/// Where a scoring run reads applications.
public enum ScoringInput: Sendable, Equatable {
    /// A CSV file with a header row (`-` for standard input). Rows are numbered by line.
    case csv(path: String)
    /// A SQLite table, read in `rowid` order. Rows are numbered by `rowid`.
    case sqlite(path: String, table: String)
}

/// Where a scoring run writes scores and rejects.
public enum ScoringOutput: Sendable, Equatable, Codable {
    /// A scores CSV and a rejects CSV (`-` for standard output).
    case csv(path: String, rejects: String)
    /// Table `table` (scores) and `table_rejects` of a SQLite database, created if missing,
    /// one transaction per batch; a re-run resumes after the last row stored.
    case sqlite(path: String, table: String)
}

/// What a scoring run reads, writes and tolerates.
public struct ScoringJobOptions: Sendable {
    /// The applications.
    public var input: ScoringInput
    /// Where scores and rejects go.
    public var output: ScoringOutput
    /// Input columns copied to the output, before the scores. `nil` means `id` when the input has
    /// it, otherwise the input line number as `line`.
    public var keep: [String]?
    /// Stop with ``BatchError/tooManyRejects(limit:summary:)`` once more rows than this are
    /// rejected; the output then ends at the row before the one over the limit. `nil`: no limit.
    public var maxRejects: Int?
    /// Score only this part of the input.
    public var shard: Shard?
    /// Reason-code columns (`reason_1 …`) after the score; scorecard models only. Default 0.
    public var reasons = 0
    /// Records scored per BLAS call. Default 1024.
    public var batchSize = 1024
    /// Bytes of input per parallel block. Default 4 MiB.
    public var blockSize = 4 << 20
    /// Blocks in flight at once (memory is about `window × blockSize × 2`). Default 4: enough to keep
    /// two cores busy while one block is written; more only adds memory.
    public var window = 4
    /// CSV options for the input.
    public var csv = CSVReadOptions()

    /// Options for one run.
    public init(input: ScoringInput, output: ScoringOutput) {
        self.input = input
        self.output = output
    }

    /// Options for a CSV-to-CSV run.
    public init(input: String, output: String, rejects: String) {
        self.init(input: .csv(path: input), output: .csv(path: output, rejects: rejects))
    }
}

/// Counts of a scoring run. `rowsRead == rowsScored + rowsRejected` always holds.
public struct ScoringSummary: Sendable, Equatable, Codable {
    /// The input's name.
    public var source: String
    /// `modelId@modelVersion`.
    public var model: String
    /// The part of the input scored, if sharded.
    public var shard: Shard?
    /// Data rows read (the header is not counted; blank lines are not rows; with a shard, only
    /// the shard's rows).
    public var rowsRead = 0
    /// Rows written to the output.
    public var rowsScored = 0
    /// Rows written to the rejects file.
    public var rowsRejected = 0
    /// Rejected rows by reason code (`not_a_number`, `ragged_row`, …).
    public var rejectsByReason: [String: Int] = [:]
    /// Rows that belong to other shards (not read, scored or rejected here).
    public var rowsInOtherShards = 0
    /// Rows skipped because an earlier run already stored them (SQLite output), and the last
    /// row that run stored.
    public var rowsAlreadyStored = 0
    public var resumedAfterRow: Int?
    /// Input bytes consumed.
    public var bytesRead = 0
    /// With a shard: the 1-based positions, among this shard's rows in input order, of the rows
    /// rejected. With the counts, this is what puts shard outputs back in input order
    /// (``ShardReconciler``). `nil` for an unsharded run.
    public var rejectedShardPositions: [Int]?

    /// `true` when every row read was either scored or rejected.
    public var reconciles: Bool { rowsRead == rowsScored + rowsRejected }
}

/// Scores applications with a model: streams the input, writes scores in input order, and
/// records each row it cannot score with its line (or rowid), field and reason.
///
/// CSV input is cut into blocks scored in parallel; SQLite input is read with a cursor. Output
/// columns: the kept columns, then `probability_of_default` and `score`. Rejects: `source, line,
/// field, reason, message`. Memory is bounded whatever the input size. Scores agree with the
/// single-record path to about 1e-15 relative.
public enum ScoringJob {
    /// Runs the job; `progress` is called after each block or batch is written.
    /// - Throws: ``BatchError`` when the input cannot be read, a required column is missing (before
    ///   any row is scored), an output cannot be written, or the reject limit is passed.
    public static func run(
        bundle: ModelBundle, options: ScoringJobOptions, progress: (ScoringSummary) -> Void = { _ in }
    ) async throws(BatchError) -> ScoringSummary {
        guard options.reasons == 0 || bundle.file.scorecard != nil else {
            throw .reasonsNeedScorecard(model: bundle.reference)
        }
        do {
            // A SQLite output records what it was scored with, so a resume with another model or input is refused.
            var identity: ScoringRunIdentity?
            if case .sqlite = options.output { identity = try InputFingerprint.identity(of: options.input, bundle: bundle) }
            let sink = { (layout: OutputLayout) throws -> ScoreSink in try ScoreSink(options.output, layout: layout, run: identity) }
            return try await run(bundle: bundle, options: options, sink: sink, progress: progress)
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Runs the job into the sink `makeSink` builds once the output layout is known.
    static func run(
        bundle: ModelBundle, options: ScoringJobOptions, sink makeSink: (OutputLayout) throws -> ScoreSink,
        progress: (ScoringSummary) -> Void
    ) async throws -> ScoringSummary {
        switch options.input {
        case .csv(let path): return try await scoreCSV(path: path, bundle: bundle, options: options, makeSink: makeSink, progress: progress)
        case .sqlite(let path, let table):
            return try scoreSQLite(path: path, table: table, bundle: bundle, options: options, makeSink: makeSink, progress: progress)
        }
    }

    private static func scoreCSV(
        path: String, bundle: ModelBundle, options: ScoringJobOptions, makeSink: (OutputLayout) throws -> ScoreSink,
        progress: (ScoringSummary) -> Void
    ) async throws -> ScoringSummary {
        // An oversized row is a reject of that row; the rest of the file is scored.
        var csv = options.csv
        csv.oversizedRecords = .flag
        let blocks = CSVBlockReader(source: try FileByteSource(path: path), options: csv, blockSize: options.blockSize)
        guard let first = try blocks.nextBlock(), let headerRecord = try first.firstRecord(source: blocks.sourceName) else {
            throw CSVError.emptyInput(source: blocks.sourceName)
        }
        let header = try HeaderIndex(names: headerRecord.fields, line: headerRecord.line, source: blocks.sourceName)
        // Every required column is checked before any output is created.
        let plan = try RecordPlan(model: bundle.model, header: header)
        let layout = try OutputLayout(keep: options.keep, reasons: options.reasons, header: header)
        let sink = try makeSink(layout)
        let scorer = BlockScorer(
            bundle: bundle, header: header, plan: plan, layout: layout,
            options: options, resumeAfter: sink.resumeAfter ?? 0, collectsRows: sink.collectsRows)
        BatchScorer.limitLinearAlgebraThreads(to: 1)

        var summary = ScoringSummary(source: blocks.sourceName, model: bundle.reference, shard: options.shard)
        summary.resumedAfterRow = sink.resumeAfter
        try await withThrowingTaskGroup(of: (Int, BlockScorer.Result).self) { group in
            var nextBlock: CSVBlock? = first
            var submitted = 0
            var written = 0
            var finished: [Int: BlockScorer.Result] = [:]
            func submit() throws {
                guard let block = nextBlock else { return }
                let index = submitted
                group.addTask { (index, try scorer.score(block)) }
                submitted += 1
                nextBlock = try blocks.nextBlock()
            }
            while submitted < options.window, nextBlock != nil { try submit() }
            while let (index, result) = try await group.next() {
                finished[index] = result
                while let result = finished.removeValue(forKey: written) {
                    written += 1
                    summary.rowsInOtherShards += result.rowsInOtherShards
                    summary.rowsAlreadyStored += result.rowsAlreadyStored
                    try sink.write(result.batch, into: &summary, limit: options.maxRejects)
                    summary.bytesRead = blocks.bytesRead
                    progress(summary)
                }
                try submit()
            }
        }
        try sink.finish()
        return summary
    }

    private static func scoreSQLite(
        path: String, table: String, bundle: ModelBundle, options: ScoringJobOptions, makeSink: (OutputLayout) throws -> ScoreSink,
        progress: (ScoringSummary) -> Void
    ) throws -> ScoringSummary {
        let reader = try SQLiteTableReader(path: path, table: table)
        let header = try HeaderIndex(names: reader.columns, line: 1, source: reader.sourceName)
        let model = bundle.model
        let positions = try model.features.map { feature throws(CSVError) in try header.require(feature.name) }
        let layout = try OutputLayout(keep: options.keep, reasons: options.reasons, header: header)
        let keepPositions = try layout.kept.map { name throws(CSVError) in try header.require(name) }
        let sink = try makeSink(layout)
        var summary = ScoringSummary(source: reader.sourceName, model: bundle.reference, shard: options.shard)
        if let resumeAfter = sink.resumeAfter {
            summary.resumedAfterRow = resumeAfter
            summary.rowsAlreadyStored = try reader.count(throughRowid: Int64(resumeAfter))
        }
        let flushEvery = max(options.batchSize * 8, 1)
        let scorecard = bundle.file.scorecard.map(ScorecardColumns.init)
        func newBatch() -> ScoredBatch {
            ScoredBatch(
                bundle: bundle, scorecard: scorecard, capacity: options.batchSize, writeRowNumber: layout.writesRowNumber,
                collectsRows: sink.collectsRows, reasonCount: layout.reasons)
        }
        var batch = newBatch()
        var values = Array(repeating: FeatureValue.missing, count: model.features.count)
        try reader.forEachRow(after: sink.resumeAfter.map(Int64.init)) { rowid, row in
            let number = Int(rowid)
            if let shard = options.shard, !shard.contains(row: number) {
                summary.rowsInOtherShards += 1
                return
            }
            for (index, feature) in model.features.enumerated() {
                values[index] = SQLiteValues.featureValue(row[positions[index]], numeric: feature.isNumeric)
            }
            batch.add(values, row: number, location: { InputLocation(source: reader.sourceName, line: number) }) { kept in
                for position in keepPositions { kept.append(SQLiteValues.text(row[position])) }
            }
            if batch.rowsRead >= flushEvery {
                batch.scorePending()
                try sink.write(batch, into: &summary, limit: options.maxRejects)
                progress(summary)
                batch = newBatch()
            }
        }
        batch.scorePending()
        try sink.write(batch, into: &summary, limit: options.maxRejects)
        try sink.finish()
        return summary
    }
}

/// The kept columns and the output header, decided once from the input header.
struct OutputLayout: Sendable {
    /// Input columns copied to the output.
    let kept: [String]
    /// Whether the row number (line, or rowid) is written first, as `line`, when nothing is kept.
    let writesRowNumber: Bool
    /// Reason-code columns after the score.
    let reasons: Int

    /// `keep`, or `id` when the input has it, or the row number.
    init(keep: [String]?, reasons: Int, header: HeaderIndex) throws(CSVError) {
        let kept = keep ?? (header.position(of: "id") != nil ? ["id"] : [])
        for name in kept { _ = try header.require(name) }
        self.kept = kept
        self.writesRowNumber = keep == nil && kept.isEmpty
        self.reasons = reasons
    }

    /// The CSV output header.
    var csvHeader: [String] {
        (writesRowNumber ? ["line"] : kept) + ["probability_of_default", "score"] + (0..<reasons).map { "reason_\($0 + 1)" }
    }
}

/// Writes results, in order, to CSV files or SQLite tables; stops exactly at the reject over the
/// limit. Used on one task only.
final class ScoreSink {
    private let csv: (output: CSVWriter, rejects: CSVWriter)?
    private let sqlite: SQLiteScoreWriter?
    private let collector: ((ScoredRow) -> Void)?
    /// Rows up to this one are already stored (SQLite output of an earlier run); `nil` otherwise.
    let resumeAfter: Int?

    /// A sink that hands every scored row to `collector` (rejects are only counted).
    init(collector: @escaping (ScoredRow) -> Void) {
        (csv, sqlite, self.collector, resumeAfter) = (nil, nil, collector, nil)
    }

    init(_ output: ScoringOutput, layout: OutputLayout, run: ScoringRunIdentity? = nil) throws {
        collector = nil
        switch output {
        case .csv(let path, let rejectsPath):
            let writer = try CSVWriter(path: path)
            let rejects = try CSVWriter(path: rejectsPath)
            try writer.write(record: layout.csvHeader)
            try rejects.write(record: ["source", "line", "field", "reason", "message"])
            csv = (writer, rejects)
            sqlite = nil
            resumeAfter = nil
        case .sqlite(let path, let table):
            let writer = try SQLiteScoreWriter(path: path, table: table, keptColumns: layout.kept, withReasons: layout.reasons > 0, run: run)
            csv = nil
            sqlite = writer
            resumeAfter = writer.lastWrittenRow
        }
    }

    /// Whether batches must collect rows (SQLite, collector) rather than CSV text.
    var collectsRows: Bool { sqlite != nil || collector != nil }

    /// Writes `batch` and adds its counts to `summary`.
    /// - Throws: ``BatchError/tooManyRejects(limit:summary:)`` after writing the rows before the
    ///   reject over `limit`, or a write error.
    func write(_ batch: ScoredBatch, into summary: inout ScoringSummary, limit: Int?) throws {
        var scored = batch.rowsScored
        var rejected = batch.rowsRejected
        var read = batch.rowsRead
        var rejectBytes = batch.rejects.count
        var overLimit = false
        if let limit, summary.rowsRejected + batch.rowsRejected > limit {
            let mark = batch.marks[limit - summary.rowsRejected]
            (scored, rejected, read, rejectBytes) = (mark.rowsScored, limit - summary.rowsRejected + 1, mark.rowsRead, mark.rejectBytes)
            overLimit = true
        }
        if let csv {
            try csv.output.write(batch.output, byteCount: scored == 0 ? 0 : batch.outputRowEnds[scored - 1])
            try csv.rejects.write(batch.rejects, byteCount: rejectBytes)
        }
        if let sqlite {
            try sqlite.append(scored: Array(batch.scoredRows.prefix(scored)), rejected: Array(batch.rejectedRows.prefix(rejected)))
        }
        if let collector { for row in batch.scoredRows.prefix(scored) { collector(row) } }
        if summary.shard != nil {
            let before = summary.rowsRead
            summary.rejectedShardPositions = summary.rejectedShardPositions ?? []
            summary.rejectedShardPositions?.append(contentsOf: batch.marks.prefix(rejected).map { before + $0.rowsRead })
        }
        summary.rowsRead += read
        summary.rowsScored += scored
        summary.rowsRejected += rejected
        if overLimit {
            for mark in batch.marks.prefix(rejected) { summary.rejectsByReason[mark.reason, default: 0] += 1 }
            try finish()
            throw BatchError.tooManyRejects(limit: limit ?? 0, summary: summary)
        }
        summary.rejectsByReason.merge(batch.rejectsByReason, uniquingKeysWith: +)
    }

    /// Writes out the CSV files and renames them into place.
    func finish() throws {
        try csv?.output.commit()
        try csv?.rejects.commit()
    }
}

/// Scores one block: everything a parallel task needs, and nothing mutable.
struct BlockScorer: Sendable {
    struct Result: Sendable {
        var batch: ScoredBatch
        var rowsInOtherShards = 0
        var rowsAlreadyStored = 0
    }

    let bundle: ModelBundle
    let scorecard: ScorecardColumns?
    let source: String
    let columnCount: Int
    /// How to read each model feature from a CSV record, in model order.
    let plan: RecordPlan
    let keepPositions: [Int]
    let writeLineNumber: Bool
    let shard: Shard?
    let batchSize: Int
    let resumeAfter: Int
    let collectsRows: Bool
    let reasons: Int

    init(
        bundle: ModelBundle, header: HeaderIndex, plan: RecordPlan, layout: OutputLayout, options: ScoringJobOptions,
        resumeAfter: Int, collectsRows: Bool
    ) {
        self.bundle = bundle
        self.scorecard = bundle.file.scorecard.map(ScorecardColumns.init)
        self.source = header.source
        self.columnCount = header.names.count
        self.plan = plan
        self.keepPositions = layout.kept.compactMap { header.position(of: $0) }
        self.writeLineNumber = layout.writesRowNumber
        self.shard = options.shard
        self.batchSize = options.batchSize
        self.resumeAfter = resumeAfter
        self.collectsRows = collectsRows
        self.reasons = layout.reasons
    }

    func score(_ block: CSVBlock) throws -> Result {
        var result = Result(batch: ScoredBatch(
            bundle: bundle, scorecard: scorecard, capacity: batchSize, writeRowNumber: writeLineNumber, collectsRows: collectsRows,
            reasonCount: reasons))
        // Record number in the input, header included (the header is record 1).
        var recordNumber = block.recordsBefore
        try block.forEachRecord(source: source) { record in
            recordNumber += 1
            guard recordNumber > 1 else { return true }
            if let shard, !shard.contains(row: recordNumber - 1) {
                result.rowsInOtherShards += 1
                return true
            }
            let line = record.line
            if line <= resumeAfter {
                result.rowsAlreadyStored += 1
                return true
            }
            if let problem = record.sizeProblem {
                result.batch.reject(RecordError(.oversized(problem), at: InputLocation(source: source, line: line)), row: line)
                return true
            }
            if let problem = record.quotingProblem {
                result.batch.reject(RecordError(.malformedQuoting(problem), at: InputLocation(source: source, line: line)), row: line)
                return true
            }
            guard record.fieldCount == columnCount else {
                result.batch.reject(RecordError(
                    .raggedRow(expected: columnCount, found: record.fieldCount), at: InputLocation(source: source, line: line)), row: line)
                return true
            }
            result.batch.add(
                row: line, location: { InputLocation(source: source, line: line) },
                keep: { kept in
                    for position in keepPositions { record.withFieldBytes(at: position) { kept.append($0) } }
                },
                encode: { scorer in encode(record, into: &scorer) })
            return true
        }
        result.batch.scorePending()
        return result
    }

    /// Writes the record's features into the scorer's next row, following the model's policies.
    private func encode(_ record: CSVRecord, into scorer: inout BatchScorer) -> ScoringFailure? {
        scorer.startRow()
        for index in 0..<plan.positions.count {
            let position = plan.positions[index]
            switch plan.kinds[index] {
            case .numeric:
                switch record.number(at: position) {
                case .value(let number): scorer.setNumber(number, feature: index)
                case .empty:
                    let imputed = plan.imputed[index]
                    guard !imputed.isNaN else { return ScoringFailure(featureIndex: index, reason: .missingValue) }
                    scorer.setNumber(imputed, feature: index)
                case .notANumber: return ScoringFailure(featureIndex: index, reason: .notANumber)
                case .notFinite: return ScoringFailure(featureIndex: index, reason: .notFinite)
                }
            case .binnedNumeric:
                switch record.number(at: position) {
                case .value(let number): scorer.setLevel(plan.bin(of: number, feature: index), feature: index)
                case .empty: scorer.setLevel(plan.missingLevel[index], feature: index)
                case .notANumber: return ScoringFailure(featureIndex: index, reason: .notANumber)
                case .notFinite: return ScoringFailure(featureIndex: index, reason: .notFinite)
                }
            case .categorical, .binnedCategorical:
                let level = record.withFieldBytes(at: position) { plan.level(of: $0, feature: index) }
                guard level >= 0 else {
                    return ScoringFailure(featureIndex: index, reason: level == RecordPlan.missing ? .missingValue : .unknownCategory)
                }
                scorer.setLevel(level, feature: index)
            }
        }
        scorer.finishRow()
        return nil
    }
}
