import CreditCore
public import CreditEngine
public import CreditCSV

/// `credit calibrate`: fits a bureau calibrator from a CSV of bureau values and outcomes.
public enum CalibrationJob {
    /// What the data held and what was fitted. `rowsRead == withScore + noRecord + unavailable`.
    public struct Result: Sendable {
        public var source: String
        public var rowsRead = 0
        /// Rows with a score, and the defaults among them.
        public var withScore = 0
        public var defaultsWithScore = 0
        /// Rows the bureau does not know (`no_record`), and their defaults: the thin-file rate.
        public var noRecord = 0
        public var defaultsNoRecord = 0
        /// Rows without a bureau answer (empty cells): not used.
        public var unavailable = 0
        public var calibrator: BureauCalibrator
    }

    /// Reads `scoreColumn` and `targetColumn` (an outcome equal to `event` is a default; any
    /// other non-empty value is not) and fits `template`'s method.
    /// - Throws: ``BatchError/invalidValue(_:detail:)`` naming the line and field of a score out of
    ///   range or an empty outcome; ``BatchError/invalidTarget(_:detail:)`` for a fit that fails.
    public static func run(
        template: BureauCalibrator, input: String, scoreColumn: String, targetColumn: String, event: String,
        csv: CSVReadOptions = CSVReadOptions()
    ) throws(BatchError) -> Result {
        var scores: [Double] = []
        var defaulted: [Bool] = []
        var result = Result(source: input, calibrator: template)
        do {
            let reader = CSVReader(source: try FileByteSource(path: input), options: csv)
            result.source = reader.sourceName
            let header = try HeaderIndex(reading: reader)
            let scorePosition = try header.require(scoreColumn)
            let targetPosition = try header.require(targetColumn)
            while try reader.readRecord() {
                let record = reader.record
                result.rowsRead += 1
                func location(_ field: String) -> InputLocation { InputLocation(source: result.source, line: record.line, field: field) }
                guard record.fieldCount == header.names.count, record.quotingProblem == nil else {
                    throw BatchError.invalidValue(location(""), detail: record.quotingProblem ?? "expected \(header.names.count) fields, found \(record.fieldCount)")
                }
                guard !record.isEmpty(at: targetPosition) else { throw BatchError.invalidValue(location(targetColumn), detail: "the outcome is empty") }
                let isDefault = record.string(at: targetPosition) == event
                let value: FeatureValue
                switch record.number(at: scorePosition) {
                case .value(let number): value = .number(number)
                case .empty: value = .missing
                default: value = .category(record.string(at: scorePosition))
                }
                let answer: BureauCalibrator.Answer
                do { answer = try template.answer(for: value) } catch {
                    throw BatchError.invalidValue(location(scoreColumn), detail: error.description)
                }
                switch answer {
                case .record(let score, _):
                    scores.append(score)
                    defaulted.append(isDefault)
                    result.withScore += 1
                    if isDefault { result.defaultsWithScore += 1 }
                case .noRecord:
                    result.noRecord += 1
                    if isDefault { result.defaultsNoRecord += 1 }
                case .unavailable:
                    result.unavailable += 1
                }
            }
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            throw .csv(.readFailed(source: input, reason: "\(error)"))
        }
        do {
            result.calibrator = try BureauCalibration.fit(template, scores: scores, defaulted: defaulted)
        } catch {
            throw .invalidTarget(InputLocation(source: result.source), detail: error.problem)
        }
        result.calibrator.fittedOn = "\(result.source): \(result.withScore) rows with a score, \(result.defaultsWithScore) defaults"
        return result
    }
}
