import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit compare`: champion/challenger on the same labelled rows.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two model versions on labelled data: metrics side by side, DeLong test of the AUC difference, swap set at a cut-off.")

    @Option(name: .long, help: "The two model files, comma-separated (champion first).") var models: String
    @Option(name: .long, help: "Labelled CSV file.") var data: String?
    @Option(name: .long, help: "Labelled SQLite database (with --table).") var fromSqlite: String?
    @Option(name: .long, help: "SQLite table.") var table: String?
    @Option(name: .long, help: "Outcome column (default: the first model's target).") var target: String?
    @Option(name: .long, help: "Outcome value that marks a default (default: the first model's).") var event: String?
    @Option(name: .long, help: "Approve at PD at or below this cut-off.") var cutoff: Double = 0.25
    @Option(name: .long, help: "Column with groups for the fairness table (approval rate, adverse-impact ratio).") var group: String?
    @Option(name: .long, help: "Smallest group given a ratio.") var minimumGroupSize = 30
    @Option(name: .long, help: "Write the report as JSON to this file.") var json: String?
    @Option(name: .long, help: "Write a self-contained HTML report (ROC, KS, distributions, calibration, swap set) to this file.") var report: String?

    func validate() throws {
        guard (data == nil) != (fromSqlite == nil) else { throw ValidationError("give exactly one of --data and --from-sqlite") }
        if fromSqlite != nil, table == nil { throw ValidationError("--from-sqlite needs --table") }
    }

    func run() async throws {
        let paths = models.split(separator: ",").map(String.init)
        guard paths.count == 2 else { throw ValidationError("--models needs exactly two model files") }
        let input: ScoringInput = fromSqlite.map { .sqlite(path: $0, table: table ?? "") } ?? .csv(path: data ?? "-")
        let report = try await reportingErrors {
            let report = try await Comparator.compare(
                try ModelFileLoader.load(path: paths[0]), try ModelFileLoader.load(path: paths[1]), input: input,
                labelColumn: target, eventLabel: event, cutoff: cutoff, groupColumn: group, minimumGroupSize: minimumGroupSize,
                withCurves: self.report != nil)
            if let json { try writeJSON(report, to: json) }
            if let path = self.report {
                try Data(HTMLReport.comparison(report, curves: report.curves ?? []).utf8).write(to: URL(fileURLWithPath: path))
            }
            return report
        }
        var lines = ["\(report.source): \(report.rows) rows compared, \(report.defaults) defaults, \(report.excluded) excluded (rejected or unlabeled)", ""]
        lines.append("model                                      AUC (95% CI)              Gini     KS   log loss   Brier   approve@\(report.cutoff)  bad rate")
        for m in report.models {
            lines.append(pad(m.model, 40) + String(format: "  %.4f (%.4f–%.4f)  %.4f  %.4f  %.5f  %.5f  %7.1f%%  %7.2f%%", m.auc, m.aucLower,
                                m.aucUpper, m.gini, m.ks, m.logLoss, m.brier, 100 * m.atCutoff.approvalRate, 100 * m.atCutoff.approvedBadRate))
        }
        lines.append(String(format: "\nDeLong: AUC difference %+.4f, z %.3f, p %.4g", report.aucDifference, report.z, report.pValue))
        let s = report.swap
        lines.append("swap set at PD <= \(report.cutoff): approved by both \(s.approvedByBoth) (\(s.approvedByBothDefaults) defaults), "
            + "declined by both \(s.declinedByBoth) (\(s.declinedByBothDefaults)), first only \(s.approvedByFirstOnly) (\(s.approvedByFirstOnlyDefaults)), "
            + "second only \(s.approvedBySecondOnly) (\(s.approvedBySecondOnlyDefaults))")
        for (model, fairness) in zip(report.models, report.fairness ?? []) {
            lines.append("\nfairness of \(model.model) by \(group ?? "")")
            for g in fairness.groups {
                let ratio = g.adverseImpactRatio.map { String(format: "%.3f%@", $0, $0 < 0.8 ? " (below 0.8)" : "") } ?? "insufficient (< \(fairness.minimumSize) rows)"
                lines.append("  " + pad(g.group, 36) + String(format: " %7d rows  approval %6.2f%%  adverse impact ", g.rows, 100 * g.approvalRate) + ratio)
            }
        }
        print(lines.joined(separator: "\n"))
    }
}

/// `credit monitor`: drift between a baseline and a current population.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Population drift: PSI of the PD and CSI of every model feature between a baseline and a current CSV.",
        discussion: """
            Bins: PD deciles of the baseline; scorecard characteristics in their own bins; numeric \
            features in baseline deciles plus a missing bin; categorical features by level plus a \
            missing bin. Shares below 1e-4 are floored. Status: stable below 0.1, moderate shift \
            below 0.25, significant shift from 0.25. Exits with status 3 on a significant shift.
            """)

    @Option(name: .long, help: "Model file.") var model: String
    @Option(name: .long, help: "Baseline CSV (e.g. the development sample).") var baseline: String
    @Option(name: .long, help: "Current CSV.") var current: String
    @Option(name: .long, help: "Write the report as JSON to this file.") var json: String?
    @Option(name: .long, help: "Write a self-contained HTML report (PSI bars) to this file.") var report: String?

    func run() async throws {
        let report = try await reportingErrors {
            let report = try await Monitor.run(bundle: try ModelFileLoader.load(path: model), baseline: baseline, current: current)
            if let json { try writeJSON(report, to: json) }
            if let path = self.report { try Data(HTMLReport.monitor(report).utf8).write(to: URL(fileURLWithPath: path)) }
            return report
        }
        var lines = ["\(report.model): \(report.baseline) (\(report.baselineRows) rows, \(report.baselineRejected) rejected) -> "
            + "\(report.current) (\(report.currentRows) rows, \(report.currentRejected) rejected): \(report.status.rawValue)", ""]
        for item in [report.score] + report.features {
            lines.append("  " + pad(item.name, 52) + String(format: " PSI %.4f  ", item.psi) + item.status.rawValue)
        }
        print(lines.joined(separator: "\n"))
        if report.status == .significantShift { throw ExitCode(3) }
    }
}

/// `text` padded with spaces to `width` characters (never cut).
func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

/// Writes `value` as pretty JSON with sorted keys.
func writeJSON(_ value: some Encodable, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(value).write(to: URL(fileURLWithPath: path))
}
