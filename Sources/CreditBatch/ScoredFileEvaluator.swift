import CreditEngine
public import CreditCSV

/// AUC, Gini and KS of a file that already holds scores and outcomes, and log loss and Brier
/// score when the scores are PDs.
public struct ScoredEvaluation: Sendable, Codable {
    public var source: String
    public var scoreColumn: String
    public var rows: Int
    public var defaults: Int
    /// Rows with an empty outcome, left out.
    public var unlabeled: Int
    public var auc: Double
    public var gini: Double
    public var ks: Double
    public var ksThreshold: Double
    /// Log loss and Brier score, when the score column is a PD (every score within [0, 1] and
    /// higher is riskier); nil for points or other scores.
    public var logLoss: Double?
    public var brier: Double?
}

/// Reads a score column and an outcome column of a CSV and computes the ranking metrics. Blocks
/// of the file are parsed in parallel and joined in order, keeping 9 bytes a row. Higher scores
/// must mean more risk (a PD); pass `higherIsSafer` for points scores.
public enum ScoredFileEvaluator {
    private struct Parsed: Sendable {
        var scores: [Double] = []
        var flags: [UInt8] = []
        var unlabeled = 0
    }

    public static func evaluate(
        path: String, scoreColumn: String, targetColumn: String, event: String, higherIsSafer: Bool = false,
        csv: CSVReadOptions = CSVReadOptions()
    ) async throws -> ScoredEvaluation {
        let blocks = CSVBlockReader(source: try FileByteSource(path: path), options: csv)
        guard let first = try blocks.nextBlock(), let headerRecord = try first.firstRecord(source: blocks.sourceName) else {
            throw CSVError.emptyInput(source: blocks.sourceName)
        }
        let header = try HeaderIndex(names: headerRecord.fields, line: headerRecord.line, source: blocks.sourceName)
        let scorePosition = try header.require(scoreColumn)
        let targetPosition = try header.require(targetColumn)
        let source = blocks.sourceName
        let eventBytes = Array(event.utf8)
        let fieldCount = header.names.count

        @Sendable func parse(_ block: CSVBlock) throws -> Parsed {
            var parsed = Parsed()
            parsed.scores.reserveCapacity(block.bytes.count / 16)
            parsed.flags.reserveCapacity(block.bytes.count / 16)
            var recordNumber = block.recordsBefore
            try block.forEachRecord(source: source) { record in
                recordNumber += 1
                guard recordNumber > 1 else { return true }  // the header
                guard record.fieldCount == fieldCount, record.quotingProblem == nil else {
                    throw BatchError.invalidValue(
                        InputLocation(source: source, line: record.line),
                        detail: record.quotingProblem ?? "expected \(fieldCount) fields, found \(record.fieldCount)")
                }
                if record.isEmpty(at: targetPosition) {
                    parsed.unlabeled += 1
                    return true
                }
                guard case .value(let score) = record.number(at: scorePosition) else {
                    throw BatchError.invalidValue(
                        InputLocation(source: source, line: record.line, field: scoreColumn),
                        detail: "is not a finite number")
                }
                parsed.scores.append(higherIsSafer ? -score : score)
                parsed.flags.append(record.withFieldBytes(at: targetPosition) { $0.elementsEqual(eventBytes) } ? 1 : 0)
                return true
            }
            return parsed
        }

        var scores: [Double] = []
        var events: [Bool] = []
        var unlabeled = 0
        try await withThrowingTaskGroup(of: (Int, Parsed).self) { group in
            var next: CSVBlock? = first
            var submitted = 0
            var joined = 0
            var finished: [Int: Parsed] = [:]
            func submit() throws {
                guard let block = next else { return }
                let index = submitted
                group.addTask { (index, try parse(block)) }
                submitted += 1
                next = try blocks.nextBlock()
            }
            while submitted < 4, next != nil { try submit() }
            while let (index, parsed) = try await group.next() {
                finished[index] = parsed
                while let ready = finished.removeValue(forKey: joined) {
                    scores.append(contentsOf: ready.scores)
                    events.append(contentsOf: ready.flags.lazy.map { $0 == 1 })
                    unlabeled += ready.unlabeled
                    joined += 1
                }
                if next != nil { try submit() }
            }
        }
        let metrics = try RankingMetrics(scores: scores, events: events)
        let isProbability = !higherIsSafer && scores.allSatisfy { (0...1).contains($0) }
        return ScoredEvaluation(
            source: source, scoreColumn: scoreColumn, rows: scores.count, defaults: events.filter { $0 }.count,
            unlabeled: unlabeled, auc: metrics.auc, gini: metrics.gini, ks: metrics.ks,
            ksThreshold: higherIsSafer ? -metrics.ksThreshold : metrics.ksThreshold,
            logLoss: isProbability ? try ProbabilityMetrics.logLoss(probabilities: scores, events: events) : nil,
            brier: isProbability ? try ProbabilityMetrics.brierScore(probabilities: scores, events: events) : nil)
    }
}
