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
    /// A column is numeric when its first value parses as a number, unless listed in
    /// `categorical`; a later value that does not parse is then an error naming its line, so no
    /// column silently changes type. Every row must be complete: fitting needs every value.
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
        // Column kinds are fixed by the first row; numbers and labels are kept in separate arrays.
        var numericPositions: [Int] = []
        var categoricalPositions: [Int] = []
        var numbers: [[Double]] = []
        var labels: [[String]] = []
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
            if events.count == 1 {
                for position in featurePositions {
                    if !options.categorical.contains(header.names[position]), case .value = record.number(at: position) {
                        numericPositions.append(position)
                    } else {
                        categoricalPositions.append(position)
                    }
                }
                numbers = Array(repeating: [], count: numericPositions.count)
                labels = Array(repeating: [], count: categoricalPositions.count)
            }
            for (slot, position) in numericPositions.enumerated() {
                numbers[slot].append(try number(record, position, location))
            }
            for (slot, position) in categoricalPositions.enumerated() {
                guard !record.isEmpty(at: position) else {
                    throw BatchError.record(RecordError(.missingValue, at: location(position)))
                }
                labels[slot].append(record.string(at: position))
            }
        }
        var features: [TrainingData.Feature] = []
        for position in featurePositions {
            if let slot = numericPositions.firstIndex(of: position) {
                features.append(TrainingData.Feature(name: header.names[position], values: .numeric(numbers[slot])))
            } else if let slot = categoricalPositions.firstIndex(of: position) {
                features.append(TrainingData.Feature(name: header.names[position], values: .categorical(labels[slot])))
            }
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
