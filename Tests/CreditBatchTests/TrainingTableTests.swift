import CreditAudit
import CreditCSV
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

@testable import CreditBatch

/// The reference: the sequential training-file reader the parallel one replaced, with one change
/// on purpose: a column declared categorical stays categorical even when all its cells are empty
/// (the old reader made it numeric, all NaN, since its kind was never decided).
private enum SequentialReference {
    static func load(_ options: TrainingFileOptions, source: DigestingByteSource) throws -> TrainingTable {
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
            kinds[slot] == nil && options.categorical.contains(header.names[position])
                ? TrainingData.Feature(name: header.names[position], values: .categorical(Array(repeating: "", count: numbers[slot].count)))
                : kinds[slot] == false
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
    static func number(_ record: CSVRecord, _ position: Int, _ location: (Int?) -> InputLocation) throws(BatchError) -> Double {
        switch record.number(at: position) {
        case .value(let value): return value
        case .empty: throw .record(RecordError(.missingValue, at: location(position)))
        case .notFinite: throw .record(RecordError(.notFinite, at: location(position)))
        case .notANumber: throw .record(RecordError(.notANumber, at: location(position)))
        }
    }
}

/// The outcome of loading: every column (numbers by bit pattern, so NaN equals NaN), the
/// outcomes, weights, name and digest; or the error's text.
private enum Loaded: Equatable {
    struct Column: Equatable {
        var name: String
        var numbers: [UInt64]?
        var labels: [String]?
    }

    case table(columns: [Column], events: [Bool], weights: [UInt64]?, sourceName: String, sha256: String)
    case failure(String)

    init(_ load: () async throws -> TrainingTable) async {
        do {
            let table = try await load()
            let columns = table.data.features.map { feature -> Column in
                switch feature.values {
                case .numeric(let values): return Column(name: feature.name, numbers: values.map(\.bitPattern))
                case .categorical(let labels): return Column(name: feature.name, labels: labels)
                }
            }
            self = .table(
                columns: columns, events: table.data.events, weights: table.data.weights?.map(\.bitPattern), sourceName: table.sourceName,
                sha256: table.dataSHA256)
        } catch {
            self = .failure("\(error)")
        }
    }
}

@Suite("Training files: parallel blocks against the sequential read")
struct TrainingTableTests {
    @Test("random files, good and bad, give the sequential read's data and first problem, in small blocks too",
          arguments: [16, 97, 4 << 20])
    func parallelMatchesSequential(blockSize: Int) async throws {
        let directory = try TemporaryDirectory()
        var random = SeededGenerator(seed: UInt64(blockSize))
        var failures = 0
        for round in 0..<150 {
            // Columns: an outcome, a weight sometimes, numeric, categorical and forced-categorical
            // features; cells damaged now and then in every way the reader checks.
            let damage = random.below(3) == 0
            let withWeight = random.below(3) == 0
            var lines = ["id,x,grade,code,bad" + (withWeight ? ",w" : "")]
            for row in 0..<(random.below(40) + 1) {
                var x = ["1.5", "-2", "0.25", "", "7e3"][random.below(5)]
                var grade = ["A", "B", "", "C,D", "12"][random.below(5)]
                var outcome = ["1", "0", "0", "1"][random.below(4)]
                var weight = ["1", "2.5", "0"][random.below(3)]
                if damage {
                    switch random.below(12) {
                    case 0: x = "abc"
                    case 1: x = "NaN"
                    case 2: outcome = ""
                    case 3: outcome = "maybe"
                    case 4: weight = "heavy"
                    case 5: grade = "\"unclosed"
                    default: break
                    }
                }
                grade = grade.contains(",") ? "\"\(grade)\"" : grade
                var fields = ["\(row)", x, grade, ["007", "7", ""][random.below(3)], outcome] + (withWeight ? [weight] : [])
                if damage, random.below(10) == 0 { fields.removeLast() }
                lines.append(fields.joined(separator: ","))
                if random.below(15) == 0 { lines.append("") }
            }
            let path = directory.path("train-\(round).csv")
            try Data((lines.joined(separator: "\n") + (random.below(2) == 0 ? "\n" : "")).utf8).write(to: URL(fileURLWithPath: path))
            var options = TrainingFileOptions(path: path, target: "bad")
            (options.excluded, options.categorical, options.allowMissing) = (["id"], ["code"], random.below(2) == 0)
            options.weight = withWeight ? "w" : nil
            let expected = await Loaded { try SequentialReference.load(options, source: DigestingByteSource(FileByteSource(path: path))) }
            let parallel = await Loaded { try await TrainingTable.load(options, blockSize: blockSize) }
            #expect(parallel == expected, "round \(round):\n\(lines.joined(separator: "\n"))")
            if case .failure = expected { failures += 1 }
        }
        #expect(failures > 10 && failures < 140, "the corpus should hold good and bad files")
    }
}
