public import CreditCSV
public import CreditEngine

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

    /// Whether data row `row` (1-based) is in this part.
    public func contains(row: Int) -> Bool { (row - 1) % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}

/// What a scoring run reads, writes and tolerates.
public struct ScoringJobOptions: Sendable {
    /// Input CSV (`-` for standard input).
    public var input: String
    /// Output CSV (`-` for standard output).
    public var output: String
    /// Rejects CSV: one line per row that could not be scored.
    public var rejects: String
    /// Input columns copied to the output, before the scores. `nil` means `id` when the input has
    /// it, otherwise the input line number as `line`.
    public var keep: [String]?
    /// Stop with ``BatchError/tooManyRejects(limit:summary:)`` once more rows than this are
    /// rejected; the output then ends at the row before the one over the limit. `nil`: no limit.
    public var maxRejects: Int?
    /// Score only this part of the input.
    public var shard: Shard?
    /// Records scored per BLAS call. Default 1024.
    public var batchSize = 1024
    /// Bytes of input per parallel block. Default 4 MiB.
    public var blockSize = 4 << 20
    /// Blocks in flight at once (memory is about `window × blockSize × 2`). Default 8.
    public var window = 8
    /// CSV options for the input.
    public var csv = CSVReadOptions()

    /// Options for one run.
    public init(input: String, output: String, rejects: String) {
        self.input = input
        self.output = output
        self.rejects = rejects
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
    /// Input bytes consumed.
    public var bytesRead = 0

    /// `true` when every row read was either scored or rejected.
    public var reconciles: Bool { rowsRead == rowsScored + rowsRejected }
}

/// Scores a CSV input with a model: streams it in blocks scored in parallel, writes scores in
/// input order, and writes each row it cannot score to the rejects file with its line, field and
/// reason.
///
/// Output columns: the kept columns, then `probability_of_default` and `score`. Rejects columns:
/// `source,line,field,reason,message`. Memory is bounded by the window of blocks in flight,
/// whatever the input size. Scores agree with the single-record path to about 1e-15 relative.
public enum ScoringJob {
    /// Runs the job; `progress` is called after each block is written.
    /// - Throws: ``BatchError`` when the input cannot be read, a required column is missing (before
    ///   any row is scored), an output cannot be written, or the reject limit is passed.
    public static func run(
        bundle: ModelBundle, options: ScoringJobOptions, progress: (ScoringSummary) -> Void = { _ in }
    ) async throws(BatchError) -> ScoringSummary {
        do {
            return try await runUnchecked(bundle: bundle, options: options, progress: progress)
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    private static func runUnchecked(
        bundle: ModelBundle, options: ScoringJobOptions, progress: (ScoringSummary) -> Void
    ) async throws -> ScoringSummary {
        let blocks = CSVBlockReader(source: try FileByteSource(path: options.input), options: options.csv, blockSize: options.blockSize)
        guard let first = try blocks.nextBlock(), let headerRecord = try first.firstRecord(source: blocks.sourceName) else {
            throw CSVError.emptyInput(source: blocks.sourceName)
        }
        let header = try HeaderIndex(names: headerRecord.fields, line: headerRecord.line, source: blocks.sourceName)
        let scorer = try BlockScorer(bundle: bundle, header: header, options: options)

        let output = try CSVWriter(path: options.output)
        let rejects = try CSVWriter(path: options.rejects)
        try output.write(record: scorer.outputHeader)
        try rejects.write(record: ["source", "line", "field", "reason", "message"])
        BatchScorer.limitLinearAlgebraThreads(to: 1)

        var summary = ScoringSummary(source: blocks.sourceName, model: bundle.reference, shard: options.shard)
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
                    try merge(result, into: &summary, output: output, rejects: rejects, limit: options.maxRejects)
                    summary.bytesRead = blocks.bytesRead
                    progress(summary)
                }
                try submit()
            }
        }
        try output.flush()
        try rejects.flush()
        return summary
    }

    /// Writes one block's results, stopping exactly at the reject over the limit.
    private static func merge(
        _ result: BlockScorer.Result, into summary: inout ScoringSummary, output: CSVWriter, rejects: CSVWriter, limit: Int?
    ) throws {
        let batch = result.batch
        summary.rowsInOtherShards += result.rowsInOtherShards
        if let limit, summary.rowsRejected + batch.rowsRejected > limit {
            let mark = batch.marks[limit - summary.rowsRejected]
            var cutOutput = CSVFormatter()
            cutOutput.appendBytes(batch.output.bytes[0..<(mark.rowsScored == 0 ? 0 : batch.outputRowEnds[mark.rowsScored - 1])])
            var cutRejects = CSVFormatter()
            cutRejects.appendBytes(batch.rejects.bytes[0..<mark.rejectBytes])
            try output.write(cutOutput)
            try rejects.write(cutRejects)
            summary.rowsRead += mark.rowsRead
            summary.rowsScored += mark.rowsScored
            summary.rowsRejected = limit + 1
            try output.flush()
            try rejects.flush()
            throw BatchError.tooManyRejects(limit: limit, summary: summary)
        }
        try output.write(batch.output)
        try rejects.write(batch.rejects)
        summary.rowsRead += batch.rowsRead
        summary.rowsScored += batch.rowsScored
        summary.rowsRejected += batch.rowsRejected
        for (reason, count) in batch.rejectsByReason { summary.rejectsByReason[reason, default: 0] += count }
    }
}

/// Scores one block: everything a parallel task needs, and nothing mutable.
struct BlockScorer: Sendable {
    struct Result: Sendable {
        var batch: ScoredBatch
        var rowsInOtherShards = 0
    }

    let bundle: ModelBundle
    let source: String
    let columnCount: Int
    let featurePositions: [Int]
    /// Per model feature, whether it is numeric (read as a number) or categorical (as a label).
    let featureIsNumeric: [Bool]
    let keepPositions: [Int]
    let writeLineNumber: Bool
    let outputHeader: [String]
    let shard: Shard?
    let batchSize: Int

    /// Matches model features and kept columns to the header.
    /// - Throws: ``CSVError/missingColumn(_:)`` for the first absent column.
    init(bundle: ModelBundle, header: HeaderIndex, options: ScoringJobOptions) throws(CSVError) {
        let keep = options.keep ?? (header.position(of: "id") != nil ? ["id"] : [])
        self.bundle = bundle
        self.source = header.source
        self.columnCount = header.names.count
        self.featurePositions = try bundle.file.model.features.map { feature throws(CSVError) in try header.require(feature.name) }
        self.featureIsNumeric = bundle.file.model.features.map { feature in
            if case .numeric = feature.encoding { return true }
            return false
        }
        self.keepPositions = try keep.map { name throws(CSVError) in try header.require(name) }
        self.writeLineNumber = options.keep == nil && keep.isEmpty
        self.outputHeader = (writeLineNumber ? ["line"] : keep) + ["probability_of_default", "score"]
        self.shard = options.shard
        self.batchSize = options.batchSize
    }

    func score(_ block: CSVBlock) throws -> Result {
        var result = Result(batch: ScoredBatch(bundle: bundle, capacity: batchSize, writeRowNumber: writeLineNumber))
        let model = bundle.file.model
        var values = Array(repeating: FeatureValue.missing, count: model.features.count)
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
            if let problem = record.quotingProblem {
                result.batch.reject(RecordError(.malformedQuoting(problem), at: InputLocation(source: source, line: line)))
                return true
            }
            guard record.fieldCount == columnCount else {
                result.batch.reject(RecordError(
                    .raggedRow(expected: columnCount, found: record.fieldCount), at: InputLocation(source: source, line: line)))
                return true
            }
            if let failure = readValues(record, into: &values) {
                result.batch.reject(RecordError(
                    failure.reason, at: InputLocation(source: source, line: line, field: model.features[failure.featureIndex].name)))
                return true
            }
            result.batch.add(values, kept: keepPositions.map { record.string(at: $0) }, row: line) {
                InputLocation(source: source, line: line)
            }
            return true
        }
        result.batch.scorePending()
        return result
    }

    /// Converts the record's fields to feature values; numbers that do not parse fail here.
    private func readValues(_ record: CSVRecord, into values: inout [FeatureValue]) -> ScoringFailure? {
        for index in featurePositions.indices {
            let position = featurePositions[index]
            if featureIsNumeric[index] {
                switch record.number(at: position) {
                case .value(let number): values[index] = .number(number)
                case .empty: values[index] = .missing
                case .notANumber: return ScoringFailure(featureIndex: index, reason: .notANumber)
                case .notFinite: return ScoringFailure(featureIndex: index, reason: .notFinite)
                }
            } else {
                values[index] = record.isEmpty(at: position) ? .missing : .category(record.string(at: position))
            }
        }
        return nil
    }
}
