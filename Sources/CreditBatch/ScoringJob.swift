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
    /// How to read each model feature from a CSV record, in model order.
    let plan: RecordPlan
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
        self.plan = try RecordPlan(model: bundle.file.model, header: header)
        self.keepPositions = try keep.map { name throws(CSVError) in try header.require(name) }
        self.writeLineNumber = options.keep == nil && keep.isEmpty
        self.outputHeader = (writeLineNumber ? ["line"] : keep) + ["probability_of_default", "score"]
        self.shard = options.shard
        self.batchSize = options.batchSize
    }

    func score(_ block: CSVBlock) throws -> Result {
        var result = Result(batch: ScoredBatch(bundle: bundle, capacity: batchSize, writeRowNumber: writeLineNumber))
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
            result.batch.add(
                row: line, location: { InputLocation(source: source, line: line) },
                keep: { formatter in
                    for position in keepPositions { record.withFieldBytes(at: position) { formatter.append(fieldBytes: $0) } }
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
            if plan.isNumeric[index] {
                switch record.number(at: position) {
                case .value(let number): scorer.setNumber(number, feature: index)
                case .empty:
                    let imputed = plan.imputed[index]
                    guard !imputed.isNaN else { return ScoringFailure(featureIndex: index, reason: .missingValue) }
                    scorer.setNumber(imputed, feature: index)
                case .notANumber: return ScoringFailure(featureIndex: index, reason: .notANumber)
                case .notFinite: return ScoringFailure(featureIndex: index, reason: .notFinite)
                }
            } else {
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

/// How each model feature is read from a CSV record: its column, and its policies resolved to an
/// imputed number or level positions. Kept in flat arrays of plain values (labels as bytes) so
/// that encoding a row costs no reference counting and no `String`.
struct RecordPlan: Sendable {
    /// ``level(of:feature:)`` results for a value the policies reject.
    static let missing = -1
    static let unknown = -2

    /// Column of each feature, in model order.
    let positions: [Int]
    let isNumeric: [Bool]
    /// Value used for an empty numeric cell; NaN when empty cells are rejected.
    let imputed: [Double]
    /// Level position for an empty / unseen categorical cell, or `missing` / `unknown` to reject.
    let missingLevel: [Int]
    let unknownLevel: [Int]
    /// Labels of feature `f` are labels `firstLabel[f] ..< firstLabel[f + 1]`; label `k` is
    /// `labelBytes[labelStart[k] ..< labelStart[k + 1]]`.
    let firstLabel: [Int]
    let labelStart: [Int]
    let labelBytes: [UInt8]

    /// Resolves every model feature to its column.
    /// - Throws: ``CSVError/missingColumn(_:)`` for the first absent column.
    init(model: LogisticModel, header: HeaderIndex) throws(CSVError) {
        var positions: [Int] = []
        var isNumeric: [Bool] = []
        var imputed: [Double] = []
        var missingLevel: [Int] = []
        var unknownLevel: [Int] = []
        var firstLabel = [0]
        var labelStart = [0]
        var labelBytes: [UInt8] = []
        for feature in model.features {
            positions.append(try header.require(feature.name))
            switch feature.encoding {
            case .numeric(_, let missing):
                isNumeric.append(true)
                if case .impute(let value) = missing { imputed.append(value) } else { imputed.append(.nan) }
                missingLevel.append(Self.missing)
                unknownLevel.append(Self.unknown)
            case .categorical(_, let levels, let missing, let unknown):
                isNumeric.append(false)
                imputed.append(.nan)
                func position(_ policy: ModelFeature.CategoryPolicy, otherwise: Int) -> Int {
                    guard case .level(let label) = policy else { return otherwise }
                    return levels.firstIndex { $0.value == label } ?? otherwise
                }
                missingLevel.append(position(missing, otherwise: Self.missing))
                unknownLevel.append(position(unknown, otherwise: Self.unknown))
                for level in levels {
                    labelBytes.append(contentsOf: level.value.utf8)
                    labelStart.append(labelBytes.count)
                }
            }
            firstLabel.append(labelStart.count - 1)
        }
        self.positions = positions
        self.isNumeric = isNumeric
        self.imputed = imputed
        self.missingLevel = missingLevel
        self.unknownLevel = unknownLevel
        self.firstLabel = firstLabel
        self.labelStart = labelStart
        self.labelBytes = labelBytes
    }

    /// The level position of categorical feature `feature` for the cell `bytes`, after the
    /// missing and unknown policies; `missing` or `unknown` when they reject it.
    func level(of bytes: UnsafeRawBufferPointer, feature: Int) -> Int {
        if bytes.isEmpty { return missingLevel[feature] }
        let first = firstLabel[feature]
        for label in first..<firstLabel[feature + 1] {
            let start = labelStart[label]
            let end = labelStart[label + 1]
            guard end - start == bytes.count else { continue }
            var same = true
            for offset in 0..<bytes.count where labelBytes[start + offset] != bytes[offset] {
                same = false
                break
            }
            if same { return label - first }
        }
        return unknownLevel[feature]
    }
}
