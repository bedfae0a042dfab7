public import CreditCSV
public import CreditEngine

/// `credit rules run`: applies a policy's rules alone (no model, no bureaus, no tables) to every
/// row of a CSV — a pre-screen of knock-outs before anything costly is called.
///
/// Output: the kept columns, then `outcome` (the most severe outcome hit: `decline`, `refer`,
/// `flag`, or `pass`) and `rule_hits` (rule ids joined by `;`). Rules that read a field the
/// file does not carry (the model's score, a bureau, a table output) are undecided and follow
/// their `ifMissing` policy. Rows with a value of the wrong type go to the rejects file.
public enum RuleScreenJob {
    /// Counts of a run; `rowsRead == rowsScreened + rowsRejected`.
    public struct Summary: Sendable, Equatable {
        public var source: String
        public var policy: String
        public var rowsRead = 0
        public var rowsScreened = 0
        public var rowsRejected = 0
        /// Rows by their most severe outcome (`pass` when no rule hit).
        public var outcomes: [String: Int] = [:]
    }

    private enum Kind { case number, boolean, string }

    public static func run(
        policy: Policy, input: String, output: String, rejects: String, asOf: CalendarDay, keep: [String] = [],
        csv: CSVReadOptions = CSVReadOptions()
    ) throws(BatchError) -> Summary {
        do throws(CSVError) {
            let reader = CSVReader(source: try FileByteSource(path: input), options: csv)
            let header = try HeaderIndex(reading: reader)
            var summary = Summary(source: reader.sourceName, policy: policy.reference)
            var columns: [(name: String, position: Int, slot: RuleSchema.Slot, kind: Kind)] = []
            for (name, type) in policy.schema.fields {
                guard let position = header.position(of: name), let slot = policy.schema.slot(of: name) else { continue }
                columns.append((name, position, slot, type == .number ? .number : type == .boolean ? .boolean : .string))
            }
            let keepColumns = try keep.map { name throws(CSVError) in try header.require(name) }
            let writer = try CSVWriter(path: output)
            let rejectWriter = try CSVWriter(path: rejects)
            try writer.write(record: keep + ["outcome", "rule_hits"])
            try rejectWriter.write(record: ["source", "line", "field", "reason", "message"])
            var row = RuleRow(schema: policy.schema)
            var text = CSVFormatter(capacity: 1 << 16)
            recordLoop: while try reader.readRecord() {
                let record = reader.record
                summary.rowsRead += 1
                guard record.quotingProblem == nil, record.fieldCount == header.names.count else {
                    let problem = record.quotingProblem ?? "expected \(header.names.count) fields, found \(record.fieldCount)"
                    try rejectWriter.write(record: [summary.source, String(record.line), "", record.quotingProblem == nil ? "ragged_row" : "malformed_quoting", problem])
                    summary.rowsRejected += 1
                    continue
                }
                row.clear()
                for column in columns {
                    switch column.kind {
                    case .number:
                        switch record.number(at: column.position) {
                        case .value(let number): row.set(column.slot, number: number)
                        case .empty: break
                        case .notANumber, .notFinite:
                            try rejectWriter.write(record: [summary.source, String(record.line), column.name, "not_a_number",
                                                            "is not a number"])
                            summary.rowsRejected += 1
                            continue recordLoop
                        }
                    case .boolean, .string:
                        guard !record.isEmpty(at: column.position) else { continue }
                        do {
                            try row.set(column.slot, to: .category(record.string(at: column.position)))
                        } catch {
                            try rejectWriter.write(record: [summary.source, String(record.line), column.name, "invalid_value", error.description])
                            summary.rowsRejected += 1
                            continue recordLoop
                        }
                    }
                }
                let hits = policy.hits(row, on: asOf)
                let outcome = hits.map(\.outcome).min()?.rawValue ?? "pass"
                for position in keepColumns { record.withFieldBytes(at: position) { text.append(fieldBytes: $0) } }
                text.append(field: outcome)
                text.append(field: hits.map(\.ruleId).joined(separator: ";"))
                text.endRecord()
                summary.rowsScreened += 1
                summary.outcomes[outcome, default: 0] += 1
                if text.count >= 1 << 16 {
                    try writer.write(text)
                    text.removeAll()
                }
            }
            try writer.write(text)
            try writer.commit()
            try rejectWriter.commit()
            return summary
        } catch {
            throw .csv(error)
        }
    }
}
