public import CreditCSV
public import CreditEngine

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
    /// rejected. `nil` means no limit.
    public var maxRejects: Int?
    /// Records scored per BLAS call. Default 4096.
    public var batchSize = 4096
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
    /// Data rows read (the header is not counted; blank lines are not rows).
    public var rowsRead = 0
    /// Rows written to the output.
    public var rowsScored = 0
    /// Rows written to the rejects file.
    public var rowsRejected = 0
    /// Rejected rows by reason code (`not_a_number`, `ragged_row`, …).
    public var rejectsByReason: [String: Int] = [:]

    /// `true` when every row read was either scored or rejected.
    public var reconciles: Bool { rowsRead == rowsScored + rowsRejected }
}

/// Scores a CSV file with a model: streams the input, writes scores in input order, and writes
/// each row it cannot score to the rejects file with its line, field and reason.
///
/// Output columns: the kept columns, then `probability_of_default` and `score`. Rejects columns:
/// `source,line,field,reason,message`. Memory is one batch, whatever the input size.
public enum ScoringJob {
    /// Runs the job.
    /// - Throws: ``BatchError`` when the input cannot be read, a required column is missing (before
    ///   any row is scored), an output cannot be written, or the reject limit is passed.
    public static func run(bundle: ModelBundle, options: ScoringJobOptions) throws(BatchError) -> ScoringSummary {
        do {
            return try runUnchecked(bundle: bundle, options: options)
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    private static func runUnchecked(bundle: ModelBundle, options: ScoringJobOptions) throws -> ScoringSummary {
        let model = bundle.file.model
        let reader = CSVReader(source: try FileByteSource(path: options.input), options: options.csv)
        let header = try HeaderIndex(reading: reader)
        let featurePositions = try model.features.map { feature throws(CSVError) in try header.require(feature.name) }
        let keep = options.keep ?? (header.position(of: "id") != nil ? ["id"] : [])
        let keepPositions = try keep.map { name throws(CSVError) in try header.require(name) }
        let writeLineNumber = options.keep == nil && keep.isEmpty

        let output = try CSVWriter(path: options.output)
        let rejects = try CSVWriter(path: options.rejects)
        try output.write(record: (writeLineNumber ? ["line"] : keep) + ["probability_of_default", "score"])
        try rejects.write(record: ["source", "line", "field", "reason", "message"])

        var summary = ScoringSummary(source: reader.sourceName, model: bundle.reference)
        var scorer = BatchScorer(model: model, capacity: options.batchSize)
        var keptValues: [[String]] = []
        var lines: [Int] = []
        var values = Array(repeating: FeatureValue.missing, count: model.features.count)

        func flushBatch() throws {
            let etas = scorer.linearPredictors()
            for (row, eta) in etas.enumerated() {
                if writeLineNumber { output.write(integer: lines[row]) }
                for value in keptValues[row] { output.write(field: value) }
                output.write(number: LogisticModel.probability(linearPredictor: eta))
                output.write(number: bundle.file.scaling.score(linearPredictor: eta))
                try output.endRecord()
            }
            summary.rowsScored += etas.count
            keptValues.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
        }

        func reject(_ error: RecordError) throws {
            summary.rowsRejected += 1
            summary.rejectsByReason[error.reason.code, default: 0] += 1
            try rejects.write(record: [
                error.location.source, String(error.location.line ?? 0), error.location.field ?? "",
                error.reason.code, error.reason.description,
            ])
            if let limit = options.maxRejects, summary.rowsRejected > limit {
                try flushBatch()
                try output.flush()
                try rejects.flush()
                throw BatchError.tooManyRejects(limit: limit, summary: summary)
            }
        }

        while try reader.readRecord() {
            summary.rowsRead += 1
            let line = reader.line
            if let problem = reader.quotingProblem {
                try reject(RecordError(.malformedQuoting(problem), at: InputLocation(source: reader.sourceName, line: line)))
                continue
            }
            guard reader.fieldCount == header.names.count else {
                try reject(RecordError(
                    .raggedRow(expected: header.names.count, found: reader.fieldCount),
                    at: InputLocation(source: reader.sourceName, line: line)))
                continue
            }
            if let failure = readValues(reader, model: model, positions: featurePositions, into: &values) {
                try reject(RecordError(failure.reason, at: InputLocation(
                    source: reader.sourceName, line: line, field: model.features[failure.featureIndex].name)))
                continue
            }
            do {
                try scorer.append(values)
            } catch {
                try reject(RecordError(error.reason, at: InputLocation(
                    source: reader.sourceName, line: line, field: model.features[error.featureIndex].name)))
                continue
            }
            keptValues.append(keepPositions.map { reader.string(at: $0) })
            lines.append(line)
            if scorer.isFull { try flushBatch() }
        }
        try flushBatch()
        try output.flush()
        try rejects.flush()
        return summary
    }

    /// Converts the record's fields to feature values; numbers that do not parse fail here.
    private static func readValues(
        _ reader: CSVReader, model: LogisticModel, positions: [Int], into values: inout [FeatureValue]
    ) -> ScoringFailure? {
        for (index, feature) in model.features.enumerated() {
            let position = positions[index]
            switch feature.encoding {
            case .numeric:
                switch reader.number(at: position) {
                case .value(let number): values[index] = .number(number)
                case .empty: values[index] = .missing
                case .notANumber: return ScoringFailure(featureIndex: index, reason: .notANumber)
                case .notFinite: return ScoringFailure(featureIndex: index, reason: .notFinite)
                }
            case .categorical:
                values[index] = reader.isEmpty(at: position) ? .missing : .category(reader.string(at: position))
            }
        }
        return nil
    }
}
