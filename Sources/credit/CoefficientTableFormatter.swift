import CreditEngine
import Foundation

/// Renders a fit as the table `credit fit` prints.
enum CoefficientTableFormatter {
    static func format(fit: LogisticFit, file: ModelFile) -> String {
        let width = max(12, fit.coefficients.map(\.term.count).max() ?? 0)
        func pad(_ text: String, _ size: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, size - text.count))
            return left ? text + padding : padding + text
        }
        func number(_ value: Double?) -> String {
            guard let value else { return "n/a" }
            return String(format: "%.6g", value)
        }
        let counts = file.training.map { "\($0.rows) rows, \($0.events) events, " } ?? ""
        let metrics = file.training.map { String(format: "  AUC %.4f  Gini %.4f  KS %.4f", $0.metrics.auc, $0.metrics.gini, $0.metrics.ks) } ?? ""
        var lines = [
            "model \(file.modelId)@\(file.modelVersion): \(counts)"
                + "\(fit.report.iterations) iterations, status \(fit.report.status == .converged ? "converged" : "NOT CONVERGED")",
            String(format: "log-likelihood %.6f", fit.report.logLikelihood) + metrics,
            "",
            pad("term", width, left: true) + pad("estimate", 14) + pad("std.error", 14) + pad("z", 10) + pad("p", 12),
        ]
        for c in fit.coefficients {
            lines.append(pad(c.term, width, left: true) + pad(number(c.estimate), 14) + pad(number(c.standardError), 14)
                + pad(c.zValue.map { String(format: "%.3f", $0) } ?? "n/a", 10) + pad(number(c.pValue), 12))
        }
        return lines.joined(separator: "\n")
    }
}
