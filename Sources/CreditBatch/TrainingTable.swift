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
    ///
    /// The file is cut into blocks parsed in parallel, after the column kinds are found in the
    /// first rows; the result, and the first problem reported, are those of a sequential read.
    /// - Throws: ``BatchError`` naming the file, line and column of the first problem.
    public static func load(_ options: TrainingFileOptions) async throws(BatchError) -> TrainingTable {
        try await load(options, blockSize: 4 << 20)
    }

    /// ``load(_:)`` with blocks of about `blockSize` bytes (small ones in tests, to make many).
    static func load(_ options: TrainingFileOptions, blockSize: Int) async throws(BatchError) -> TrainingTable {
        do {
            return try await load(options, source: DigestingByteSource(FileByteSource(path: options.path)), blockSize: blockSize)
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Blocks parsed at once (memory is about `window` blocks beyond the columns).
    static let window = 4

    private static func load(_ options: TrainingFileOptions, source: DigestingByteSource, blockSize: Int) async throws -> TrainingTable {
        let blocks = CSVBlockReader(source: source, options: options.csv, blockSize: blockSize)
        guard let first = try blocks.nextBlock(), let headerRecord = try first.firstRecord(source: blocks.sourceName) else {
            throw CSVError.emptyInput(source: blocks.sourceName)
        }
        let header = try HeaderIndex(names: headerRecord.fields, line: headerRecord.line, source: blocks.sourceName)
        let layout = try TrainingLayout(options: options, header: header)
        // The kinds come from the first non-empty value of each column in file order: found by
        // reading on from the first block until every column has one (usually the first row).
        var inspector = KindInspector(layout: layout)
        var waiting = [first]
        try inspector.inspect(first)
        while !inspector.isDone, let next = try blocks.nextBlock() {
            try inspector.inspect(next)
            waiting.append(next)
        }
        let parser = BlockParser(layout: layout, numeric: inspector.numeric, options: options)
        var parsed: [Int: ParsedBlock] = [:]
        try await withThrowingTaskGroup(of: (Int, ParsedBlock).self) { group in
            var submitted = 0
            var stopAfter = Int.max
            func submitNext() throws {
                guard submitted <= stopAfter else { return }
                let block: CSVBlock
                if !waiting.isEmpty {
                    block = waiting.removeFirst()
                } else if let next = try blocks.nextBlock() {
                    block = next
                } else {
                    return
                }
                let index = submitted
                group.addTask { (index, try parser.parse(block, isFirst: index == 0)) }
                submitted += 1
            }
            for _ in 0..<Self.window { try submitNext() }
            while let (index, block) = try await group.next() {
                // A problem in block k makes later blocks irrelevant: none holds an earlier one.
                if block.problem != nil { stopAfter = min(stopAfter, index) }
                parsed[index] = block
                try submitNext()
            }
        }
        let ordered = (0..<parsed.count).map { parsed[$0]! }
        try Self.throwFirstProblem(ordered, layout: layout, options: options)
        return TrainingTable(
            data: Self.assemble(ordered, layout: layout, numeric: inspector.numeric, hasWeights: options.weight != nil),
            sourceName: blocks.sourceName,
            dataSHA256: source.digest.finalizeHex(),
            target: ModelFile.Target(column: options.target, event: options.eventLabel)
        )
    }

    /// Throws the problem a sequential read would have met first: the earliest of the blocks'
    /// own problems and a third outcome label (which no block can see alone).
    private static func throwFirstProblem(_ blocks: [ParsedBlock], layout: TrainingLayout, options: TrainingFileOptions) throws(BatchError) {
        var nonEventLabel: String?
        var thirdLabel: (line: Int, label: String)?
        for block in blocks {
            for (label, line) in block.nonEventLabels {
                if nonEventLabel == nil { nonEventLabel = label } else if label != nonEventLabel, thirdLabel == nil { thirdLabel = (line, label) }
            }
        }
        let blockProblem = blocks.lazy.compactMap(\.problem).first
        if let third = thirdLabel, blockProblem.map({ third.line <= $0.line }) ?? true {
            throw BatchError.invalidTarget(
                InputLocation(source: layout.source, line: third.line, field: options.target),
                detail: "the outcome has a third value; expected the event label '\(options.eventLabel)' or '\(nonEventLabel!)'")
        }
        if let problem = blockProblem { throw problem.error }
    }

    /// The blocks' columns, outcomes and weights joined in order.
    private static func assemble(_ blocks: [ParsedBlock], layout: TrainingLayout, numeric: [Bool], hasWeights: Bool) -> TrainingData {
        let features = layout.featurePositions.indices.map { slot -> TrainingData.Feature in
            let name = layout.names[layout.featurePositions[slot]]
            if numeric[slot] {
                var values: [Double] = []
                values.reserveCapacity(blocks.reduce(0) { $0 + $1.numbers[slot].count })
                for block in blocks { values.append(contentsOf: block.numbers[slot]) }
                return TrainingData.Feature(name: name, values: .numeric(values))
            }
            var labels: [String] = []
            labels.reserveCapacity(blocks.reduce(0) { $0 + $1.labels[slot].count })
            for block in blocks { labels.append(contentsOf: block.labels[slot]) }
            return TrainingData.Feature(name: name, values: .categorical(labels))
        }
        return TrainingData(
            features: features, events: blocks.flatMap(\.events), weights: hasWeights ? blocks.flatMap(\.weights) : nil)
    }
}

/// Where the target, weight and feature columns of a training file are.
struct TrainingLayout: Sendable {
    let names: [String]
    let source: String
    let targetPosition: Int
    let weightPosition: Int?
    /// Columns that become features, in file order.
    let featurePositions: [Int]
    /// Features forced to be categorical.
    let forcedCategorical: [Bool]

    init(options: TrainingFileOptions, header: HeaderIndex) throws(CSVError) {
        targetPosition = try header.require(options.target)
        weightPosition = try options.weight.map { name throws(CSVError) in try header.require(name) }
        for name in options.excluded.union(options.categorical) { _ = try header.require(name) }
        let (target, weight) = (targetPosition, weightPosition)
        featurePositions = header.names.indices.filter { position in
            position != target && position != weight && !options.excluded.contains(header.names[position])
        }
        forcedCategorical = featurePositions.map { options.categorical.contains(header.names[$0]) }
        names = header.names
        source = header.source
    }
}

/// Finds each feature's kind from its first non-empty value, in file order: numeric when that
/// value is a finite number (and the column is not forced categorical).
struct KindInspector {
    let layout: TrainingLayout
    private var kinds: [Bool?]
    private var undecided: Int
    private var recordsSeen = 0

    init(layout: TrainingLayout) {
        self.layout = layout
        kinds = layout.forcedCategorical.map { $0 ? false : nil }
        undecided = kinds.filter { $0 == nil }.count
    }

    /// Whether every feature has its kind.
    var isDone: Bool { undecided == 0 }

    /// The kinds found: numeric unless decided categorical (a column with no value is numeric).
    var numeric: [Bool] { kinds.map { $0 ?? true } }

    /// Reads `block`'s records (the header of the first one excepted) until every kind is known.
    /// Rows that cannot be read whole (ragged, badly quoted) decide nothing.
    mutating func inspect(_ block: CSVBlock) throws {
        try block.forEachRecord(source: layout.source) { record in
            recordsSeen += 1
            guard recordsSeen > 1, record.quotingProblem == nil, record.fieldCount == layout.names.count else { return !isDone }
            for slot in kinds.indices where kinds[slot] == nil {
                let position = layout.featurePositions[slot]
                guard !record.isEmpty(at: position) else { continue }
                if case .value = record.number(at: position) { kinds[slot] = true } else { kinds[slot] = false }
                undecided -= 1
            }
            return !isDone
        }
    }
}

/// What one block of a training file holds, up to its first problem.
struct ParsedBlock: Sendable {
    /// Numbers of numeric features (NaN for empty cells), labels of categorical ones ("" for empty).
    var numbers: [[Double]]
    var labels: [[String]]
    var events: [Bool]
    var weights: [Double] = []
    /// Outcome labels other than the event label, each with the first line it is on.
    var nonEventLabels: [(label: String, line: Int)] = []
    /// The block's first problem; nothing after it was read.
    var problem: (line: Int, error: BatchError)?
}

/// Parses blocks of a training file once the feature kinds are known; safe to share between tasks.
struct BlockParser: Sendable {
    let layout: TrainingLayout
    let numeric: [Bool]
    let eventLabel: String
    let allowMissing: Bool

    init(layout: TrainingLayout, numeric: [Bool], options: TrainingFileOptions) {
        (self.layout, self.numeric, eventLabel, allowMissing) = (layout, numeric, options.eventLabel, options.allowMissing)
    }

    func parse(_ block: CSVBlock, isFirst: Bool) throws -> ParsedBlock {
        let slots = layout.featurePositions.count
        var parsed = ParsedBlock(
            numbers: Array(repeating: [], count: slots), labels: Array(repeating: [], count: slots), events: [])
        var skipHeader = isFirst
        try block.forEachRecord(source: layout.source) { record in
            if skipHeader {
                skipHeader = false
                return true
            }
            do throws(BatchError) {
                try add(record, to: &parsed)
                return true
            } catch {
                parsed.problem = (record.line, error)
                return false
            }
        }
        return parsed
    }

    /// Adds one record, or throws its first problem (checked in the order a sequential read does).
    private func add(_ record: CSVRecord, to parsed: inout ParsedBlock) throws(BatchError) {
        func location(_ position: Int?) -> InputLocation {
            InputLocation(source: layout.source, line: record.line, field: position.map { layout.names[$0] })
        }
        if let problem = record.quotingProblem { throw .record(RecordError(.malformedQuoting(problem), at: location(nil))) }
        guard record.fieldCount == layout.names.count else {
            throw .record(RecordError(.raggedRow(expected: layout.names.count, found: record.fieldCount), at: location(nil)))
        }
        let label = record.string(at: layout.targetPosition)
        if label == eventLabel {
            parsed.events.append(true)
        } else if label.isEmpty {
            throw .record(RecordError(.missingValue, at: location(layout.targetPosition)))
        } else {
            if !parsed.nonEventLabels.contains(where: { $0.label == label }) { parsed.nonEventLabels.append((label, record.line)) }
            parsed.events.append(false)
        }
        if let weightPosition = layout.weightPosition {
            parsed.weights.append(try Self.number(record, weightPosition, location))
        }
        for (slot, position) in layout.featurePositions.enumerated() {
            if record.isEmpty(at: position) {
                guard allowMissing else { throw .record(RecordError(.missingValue, at: location(position))) }
                if numeric[slot] { parsed.numbers[slot].append(.nan) } else { parsed.labels[slot].append("") }
            } else if numeric[slot] {
                parsed.numbers[slot].append(try Self.number(record, position, location))
            } else {
                parsed.labels[slot].append(record.string(at: position))
            }
        }
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
