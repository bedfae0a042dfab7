public import CreditCSV
public import CreditEngine
import CreditAudit

/// How to read a training file: which column is the outcome, which columns to use and how.
public struct TrainingFileOptions: Sendable {
    /// The CSV file (`-` for standard input).
    public var path: String
    /// The outcome column.
    public var target: String
    /// The outcome value that marks an event (a default). Default `1`.
    public var eventLabel = "1"
    /// Columns to leave out of the model (identifiers, dates).
    public var excluded: Set<String> = []
    /// Columns to treat as categorical whatever their values look like.
    public var categorical: Set<String> = []
    /// An optional column of non-negative frequency weights.
    public var weight: String?
    /// Accept empty cells in feature columns (as NaN in numeric columns, the empty string in
    /// categorical ones) instead of stopping at the first. For scorecards, whose binning gives
    /// missing values a bin of their own. Default `false`.
    public var allowMissing = false
    /// CSV options.
    public var csv = CSVReadOptions()

    /// Options for `path` with outcome column `target`.
    public init(path: String, target: String) {
        self.path = path
        self.target = target
    }
}

/// A training file loaded into memory for fitting, with its provenance.
public struct TrainingTable: Sendable {
    /// The columns, outcomes and weights.
    public let data: TrainingData
    /// The file name.
    public let sourceName: String
    /// SHA-256 of the file's bytes.
    public let dataSHA256: String
    /// The outcome column and event label.
    public let target: ModelFile.Target
    /// Number of events.
    public var eventCount: Int { data.events.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Reads and checks the whole training file.
    ///
    /// A column is numeric when its first non-empty value parses as a number, unless listed in
    /// `categorical`; a later value that does not parse is then an error naming its line, so no
    /// column silently changes type. Unless `allowMissing`, every row must be complete.
    /// - Throws: ``BatchError`` naming the file, line and column of the first problem.
    public static func load(_ options: TrainingFileOptions) throws(BatchError) -> TrainingTable {
        do {
            return try load(options, source: DigestingByteSource(FileByteSource(path: options.path)))
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    private static func load(_ options: TrainingFileOptions, source: DigestingByteSource) throws -> TrainingTable {
        let reader = CSVReader(source: source, options: options.csv)
        let header = try HeaderIndex(reading: reader)
        let targetPosition = try header.require(options.target)
        let weightPosition = try options.weight.map { name throws(CSVError) in try header.require(name) }
        for name in options.excluded.union(options.categorical) { _ = try header.require(name) }
        let featurePositions = header.names.indices.filter { position in
            position != targetPosition && position != weightPosition && !options.excluded.contains(header.names[position])
        }
        // Column kinds are fixed by the first non-empty value; numbers and labels are kept in
        // separate arrays (NaN and "" for empty cells when they are allowed).
        var kinds: [Bool?] = Array(repeating: nil, count: featurePositions.count)
        var numbers: [[Double]] = Array(repeating: [], count: featurePositions.count)
        var labels: [[String]] = Array(repeating: [], count: featurePositions.count)
        var events: [Bool] = []
        var weights: [Double] = []
        var nonEventLabel: String?

        while try reader.readRecord() {
            let record = reader.record
            func location(_ position: Int?) -> InputLocation {
                InputLocation(source: reader.sourceName, line: record.line, field: position.map { header.names[$0] })
            }
            if let problem = record.quotingProblem { throw BatchError.record(RecordError(.malformedQuoting(problem), at: location(nil))) }
            guard record.fieldCount == header.names.count else {
                throw BatchError.record(RecordError(.raggedRow(expected: header.names.count, found: record.fieldCount), at: location(nil)))
            }
            let label = record.string(at: targetPosition)
            if label == options.eventLabel {
                events.append(true)
            } else if label.isEmpty {
                throw BatchError.record(RecordError(.missingValue, at: location(targetPosition)))
            } else if nonEventLabel == nil || nonEventLabel == label {
                nonEventLabel = label
                events.append(false)
            } else {
                throw BatchError.invalidTarget(
                    location(targetPosition),
                    detail: "the outcome has a third value; expected the event label '\(options.eventLabel)' or '\(nonEventLabel!)'")
            }
            if let weightPosition {
                weights.append(try number(record, weightPosition, location))
            }
            for (slot, position) in featurePositions.enumerated() {
                if record.isEmpty(at: position) {
                    guard options.allowMissing else { throw BatchError.record(RecordError(.missingValue, at: location(position))) }
                    switch kinds[slot] {
                    case true: numbers[slot].append(.nan)
                    case false: labels[slot].append("")
                    case nil: numbers[slot].append(.nan)  // undecided: backfilled when the kind is known
                    }
                    continue
                }
                if kinds[slot] == nil {
                    let numeric = !options.categorical.contains(header.names[position]) && {
                        if case .value = record.number(at: position) { return true }
                        return false
                    }()
                    kinds[slot] = numeric
                    if !numeric {
                        labels[slot] = Array(repeating: "", count: numbers[slot].count)
                        numbers[slot] = []
                    }
                }
                if kinds[slot] == true {
                    numbers[slot].append(try number(record, position, location))
                } else {
                    labels[slot].append(record.string(at: position))
                }
            }
        }
        let features = featurePositions.enumerated().map { slot, position in
            kinds[slot] == false
                ? TrainingData.Feature(name: header.names[position], values: .categorical(labels[slot]))
                : TrainingData.Feature(name: header.names[position], values: .numeric(numbers[slot]))
        }
        return TrainingTable(
            data: TrainingData(features: features, events: events, weights: weightPosition == nil ? nil : weights),
            sourceName: reader.sourceName,
            dataSHA256: source.digest.finalizeHex(),
            target: ModelFile.Target(column: options.target, event: options.eventLabel)
        )
    }

    /// A required finite number, or a record error naming the field.
    private static func number(_ record: CSVRecord, _ position: Int, _ location: (Int?) -> InputLocation) throws(BatchError) -> Double {
        switch record.number(at: position) {
        case .value(let value): return value
        case .empty: throw .record(RecordError(.missingValue, at: location(position)))
        case .notFinite: throw .record(RecordError(.notFinite, at: location(position)))
        case .notANumber: throw .record(RecordError(.notANumber, at: location(position)))
        }
    }
}
