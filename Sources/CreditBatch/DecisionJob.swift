import CreditCore
public import CreditEngine
public import CreditCSV

/// Options of a batch decision run.
public struct DecisionJobOptions: Sendable {
    /// Applications CSV (`-` for standard input).
    public var input: String
    /// Decisions CSV and rejects CSV (`-` for standard output).
    public var output: String
    public var rejects: String
    /// Column of the application date or timestamp (ISO 8601). Default `timestamp`, else
    /// `application_date`, whichever the header has.
    public var dateColumn: String?
    /// One date for every row, instead of a date column.
    public var asOf: CalendarDay?
    /// Input columns copied to the output, before the decision columns.
    public var keep: [String] = []
    /// Stop after this many rejected rows (nil: never).
    public var maxRejects: Int?
    public var csv = CSVReadOptions()

    public init(input: String, output: String, rejects: String) {
        self.input = input
        self.output = output
        self.rejects = rejects
    }
}

/// Counts of a decision run; `rowsRead == rowsDecided + rowsRejected`.
public struct DecisionSummary: Sendable, Equatable {
    public var source: String
    public var engine: String
    public var rowsRead = 0
    public var rowsDecided = 0
    public var rowsRejected = 0
    public var outcomes: [Decision.Outcome: Int] = [:]
}

/// `credit decide`: decides every application of a CSV file, in order, one output row per input
/// row, with rows that cannot be decided (a value of the wrong type, a bureau value out of range,
/// a bad date) in the rejects file with line, field and reason.
///
/// Output columns: the kept columns, then `decision, pd, score, grade, max_amount,
/// max_tenor_months, reason_1 … reason_4, rule_hits` (rule ids joined by `;`).
public enum DecisionJob {
    private enum ColumnKind { case number, text, numberOrText }

    public static func run(engine: RiskEngine, options: DecisionJobOptions) throws(BatchError) -> DecisionSummary {
        do {
            return try decide(engine: engine, options: options)
        } catch {
            throw batchError(error, input: options.input)
        }
    }

    /// `error` as the job's typed error.
    private static func batchError(_ error: any Error, input: String) -> BatchError {
        switch error {
        case let error as BatchError: return error
        case let error as CSVError: return .csv(error)
        default: return .csv(.readFailed(source: input, reason: "\(error)"))
        }
    }

    private static func decide(engine: RiskEngine, options: DecisionJobOptions) throws -> DecisionSummary {
        var output: CSVWriter?
        let rejects = try CSVWriter(path: options.rejects)
        try rejects.write(record: ["source", "line", "field", "reason", "message"])
        var keepColumns: [Int] = []
        func decideRows() throws -> DecisionSummary {
            try forEachRow(engine: engine, options: options, requireEveryColumn: true) { header in
                keepColumns = try options.keep.map { try header.require($0) }
                let writer = try CSVWriter(path: options.output)
                try writer.write(record: options.keep + ["decision", "pd", "score", "grade", "max_amount", "max_tenor_months",
                                                         "reason_1", "reason_2", "reason_3", "reason_4", "rule_hits"])
                output = writer
            } decided: { record, decision in
                var row = keepColumns.map { record.string(at: $0) }
                row += [decision.outcome.rawValue, format(decision.probabilityOfDefault), format(decision.score), decision.grade ?? "",
                        format(decision.maxAmount), format(decision.maxTenorMonths)]
                row += (0..<RiskEngine.maximumReasons).map { $0 < decision.reasons.count ? decision.reasons[$0].code : "" }
                row.append(decision.ruleHits.map(\.ruleId).joined(separator: ";"))
                try output?.write(record: row)
            } rejected: { source, line, field, reason, message in
                try rejects.write(record: [source, String(line), field, reason, message])
            }
        }
        let summary: DecisionSummary
        do {
            summary = try decideRows()
        } catch BatchError.tooManyDecisionRejects(let limit, let partial) {
            // A deliberate stop: the rows decided before it are the output, under the final names.
            try output?.commit()
            try rejects.commit()
            throw BatchError.tooManyDecisionRejects(limit: limit, summary: partial)
        } catch {
            // A failure: what was decided stays in the .partial files; the final names are untouched.
            try? output?.flush()
            try? rejects.flush()
            throw error
        }
        try output?.commit()
        try rejects.commit()
        return summary
    }

    /// A case of a rule test file whose decision differs from the expected one.
    public struct TestFailure: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var caseName: String
        public var problem: String
        public var description: String { "line \(line)\(caseName.isEmpty ? "" : " (\(caseName))"): \(problem)" }
    }

    /// Decides every case of a CSV and compares with its `expected_decision` column and, where
    /// given, `expected_rules` (rule ids joined by `;`, compared as sets) and `expected_reasons`
    /// (the first reason codes, in order). A case that cannot be decided fails unless its expected decision
    /// is `reject`. Cases are named by an optional `case` column.
    public static func test(engine: RiskEngine, options: DecisionJobOptions) throws(BatchError) -> (cases: Int, failures: [TestFailure]) {
        var failures: [TestFailure] = []
        var columns: (decision: Int, rules: Int?, reasons: Int?, name: Int?) = (0, nil, nil, nil)
        var rejected: [Int: String] = [:]
        var cases = 0
        do {
            let summary = try forEachRow(engine: engine, options: options) { header in
                columns = (try header.require("expected_decision"), header.position(of: "expected_rules"),
                           header.position(of: "expected_reasons"), header.position(of: "case"))
            } decided: { record, decision in
                var problems: [String] = []
                let expected = record.string(at: columns.decision)
                if expected != decision.outcome.rawValue { problems.append("decision \(decision.outcome.rawValue), expected \(expected)") }
                if let position = columns.rules {
                    let expectedRules = Set(record.string(at: position).split(separator: ";").map { String($0) })
                    let actual = Set(decision.ruleHits.map(\.ruleId))
                    if expectedRules != actual { problems.append("rules hit \(actual.sorted()), expected \(expectedRules.sorted())") }
                }
                if let position = columns.reasons, !record.isEmpty(at: position) {
                    let expectedReasons = record.string(at: position).split(separator: ";").map { String($0) }
                    let actual = decision.reasons.map(\.code)
                    if !actual.starts(with: expectedReasons) { problems.append("reasons \(actual), expected to start with \(expectedReasons)") }
                }
                if !problems.isEmpty {
                    failures.append(TestFailure(line: record.line, caseName: columns.name.map { record.string(at: $0) } ?? "",
                                                problem: problems.joined(separator: "; ")))
                }
            } rejected: { _, line, field, reason, message in
                rejected[line] = "rejected: \(field.isEmpty ? "" : "field '\(field)': ")\(message) (\(reason))"
            }
            cases = summary.rowsRead
        } catch {
            throw batchError(error, input: options.input)
        }
        // Rejected rows pass only when `reject` was expected; re-read their expectations.
        if !rejected.isEmpty {
            do {
                let reader = CSVReader(source: try FileByteSource(path: options.input), options: options.csv)
                let header = try HeaderIndex(reading: reader)
                let decisionColumn = try header.require("expected_decision")
                let nameColumn = header.position(of: "case")
                while try reader.readRecord() {
                    let record = reader.record
                    guard let problem = rejected[record.line] else { continue }
                    if decisionColumn < record.fieldCount, record.string(at: decisionColumn) == "reject" { continue }
                    failures.append(TestFailure(line: record.line, caseName: nameColumn.flatMap { $0 < record.fieldCount ? record.string(at: $0) : nil } ?? "",
                                                problem: problem))
                }
            } catch {
                throw .csv(error)
            }
        }
        return (cases, failures.sorted { $0.line < $1.line })
    }

    /// Reads the applications of `options.input` in order and decides each, calling `decided`
    /// or `rejected` for every row.
    ///
    /// With `requireEveryColumn` (a decision run), every column the model and policy read must be
    /// in the header, spelled exactly: a missing, padded or differently cased column is refused
    /// before any row is read, as `credit score` does, instead of every row going without it.
    private static func forEachRow(
        engine: RiskEngine, options: DecisionJobOptions, requireEveryColumn: Bool = false, header start: (HeaderIndex) throws -> Void,
        decided: (CSVRecord, Decision) throws -> Void,
        rejected: (_ source: String, _ line: Int, _ field: String, _ reason: String, _ message: String) throws -> Void
    ) throws -> DecisionSummary {
        let reader = CSVReader(source: try FileByteSource(path: options.input), options: options.csv)
        let header = try HeaderIndex(reading: reader)
        var summary = DecisionSummary(source: reader.sourceName, engine: engine.reference)

        // Which columns the engine reads, and as what.
        var kinds: [String: ColumnKind] = [:]
        for feature in engine.model.model.features { kinds[feature.name] = feature.isNumeric ? .number : .text }
        for input in engine.policy.file.inputs { kinds[input.name] = input.type == .string ? .text : .number }
        for input in engine.policy.file.inputs where input.type == .boolean { kinds[input.name] = .text }
        for bureau in engine.policy.bureaus { kinds[bureau.input] = .numberOrText }
        if requireEveryColumn { for name in kinds.keys.sorted() { _ = try header.require(name) } }
        let columns = kinds.keys.sorted().compactMap { name in header.position(of: name).map { (name, $0, kinds[name]!) } }
        let amountColumn = try header.require("amount")
        let tenorColumn = header.position(of: "tenor_months")
        let dateName = options.dateColumn ?? (header.position(of: "timestamp") != nil ? "timestamp" : "application_date")
        let dateColumn = options.asOf == nil ? try header.require(dateName) : nil
        try start(header)

        func reject(_ line: Int, _ field: String, _ reason: String, _ message: String) throws {
            try rejected(summary.source, line, field, reason, message)
            summary.rowsRejected += 1
            if let limit = options.maxRejects, summary.rowsRejected > limit {
                throw BatchError.tooManyDecisionRejects(limit: limit, summary: summary)
            }
        }

        var fields: [String: FeatureValue] = [:]
        while try reader.readRecord() {
            let record = reader.record
            summary.rowsRead += 1
            if let problem = record.quotingProblem {
                try reject(record.line, "", "malformed_quoting", problem)
                continue
            }
            guard record.fieldCount == header.names.count else {
                try reject(record.line, "", "ragged_row", "expected \(header.names.count) fields, found \(record.fieldCount)")
                continue
            }
            fields.removeAll(keepingCapacity: true)
            var bad: (field: String, reason: String, message: String)?
            for (name, position, kind) in columns {
                switch record.number(at: position) {
                case .empty: fields[name] = .missing
                case .value(let number) where kind != .text: fields[name] = .number(number)
                case .notFinite where kind != .text: bad = (name, "not_finite", "is not a finite number")
                case .notANumber where kind == .number:
                    bad = (name, "not_a_number", "is not a number")
                default: fields[name] = .category(record.string(at: position))
                }
                if bad != nil { break }
            }
            if let bad {
                try reject(record.line, bad.field, bad.reason, bad.message)
                continue
            }
            guard case .value(let amount) = record.number(at: amountColumn), amount > 0 else {
                try reject(record.line, "amount", "not_a_number", "is not a positive amount")
                continue
            }
            var tenor: Double?
            if let tenorColumn {
                switch record.number(at: tenorColumn) {
                case .value(let months): tenor = months
                case .empty: tenor = nil
                default:
                    try reject(record.line, "tenor_months", "not_a_number", "is not a number")
                    continue
                }
            }
            let date: CalendarDay
            if let asOf = options.asOf {
                date = asOf
            } else {
                guard let day = CalendarDay(iso: record.string(at: dateColumn!)) else {
                    try reject(record.line, dateName, "not_a_date", "is not an ISO 8601 date")
                    continue
                }
                date = day
            }
            let decision: Decision
            do {
                decision = try engine.decide(Application(amount: amount, tenorMonths: tenor, date: date, fields: fields))
            } catch {
                try reject(record.line, error.field, "invalid_value", error.problem)
                continue
            }
            try decided(record, decision)
            summary.rowsDecided += 1
            summary.outcomes[decision.outcome, default: 0] += 1
        }
        return summary
    }


    private static func format(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
