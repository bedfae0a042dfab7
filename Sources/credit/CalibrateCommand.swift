import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit calibrate`: fit a bureau score → PD calibration from outcomes.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a bureau calibration (score to probability of default) from a CSV of bureau values and outcomes.",
        discussion: """
            The score column holds the bureau's value, `no_record` when the bureau does not know \
            the person, or nothing when there was no answer. Only scored rows are fitted; the \
            default rate of no-record rows is reported (a thin file is not a bad file) and empty \
            rows are counted. A value outside --minimum..--maximum stops the job, naming its line. \
            The calibrator is written as JSON for a policy's "bureaus".
            """)

    @Option(name: .long, help: "CSV with bureau values and outcomes.") var data: String
    @Option(name: .long, help: "Column with the bureau value.") var scoreColumn: String
    @Option(name: .long, help: "Outcome column.") var target: String
    @Option(name: .long, help: "Outcome value that marks a default.") var event: String
    @Option(name: .long, help: "Bureau id (used in field names: bureau.<id>.pd).") var bureau: String
    @Option(name: .long, help: "score (Pefindo, FICO-style, VantageScore) or collectibility (SLIK kol 1-5).") var kind: String = "score"
    @Option(name: .long, help: "Lowest valid bureau value.") var minimum: Double
    @Option(name: .long, help: "Highest valid bureau value.") var maximum: Double
    @Option(name: .long, help: "isotonic (monotone table) or logistic.") var method: String = "isotonic"
    @Option(name: .long, help: "Calibration version.") var version: String = "1.0.0"
    @Option(name: .long, help: "Input column of the bureau value in applications (default: --score-column).") var input: String?
    @Option(name: .long, help: "Write the calibrator JSON here.") var out: String

    func run() throws {
        guard let kind = BureauCalibrator.Kind(rawValue: kind) else { throw ValidationError("--kind must be score or collectibility") }
        guard let method = BureauCalibrator.Method(rawValue: method) else { throw ValidationError("--method must be isotonic or logistic") }
        let template = BureauCalibrator(
            id: bureau, version: version, kind: kind, input: input ?? scoreColumn, minimum: minimum, maximum: maximum, method: method,
            intercept: 0, slope: 0, points: [[minimum, 0], [maximum, 0]])
        if let problem = template.problem() { throw ValidationError("\(problem.field): \(problem.problem)") }
        let result = try reportingErrors {
            try CalibrationJob.run(template: template, input: data, scoreColumn: scoreColumn, targetColumn: target, event: event)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(result.calibrator).write(to: URL(fileURLWithPath: out))
        func rate(_ defaults: Int, _ rows: Int) -> String { rows == 0 ? "-" : String(format: "%.4f", Double(defaults) / Double(rows)) }
        print("\(result.source): \(result.rowsRead) rows: \(result.withScore) with a score (default rate \(rate(result.defaultsWithScore, result.withScore))), "
            + "\(result.noRecord) no record (default rate \(rate(result.defaultsNoRecord, result.noRecord))), \(result.unavailable) without an answer")
        switch result.calibrator.method {
        case .logistic:
            print(String(format: "PD = 1 / (1 + exp(-(%.6g + %.6g * score)))", result.calibrator.intercept ?? 0, result.calibrator.slope ?? 0))
        case .isotonic:
            print("score      PD")
            for point in result.calibrator.points ?? [] { print(String(format: "%-9g  %.4f", point[0], point[1])) }
        }
    }
}
