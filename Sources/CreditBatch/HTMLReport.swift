public import CreditEngine

/// Plot data of one model on labelled rows.
public struct ModelCurves: Sendable, Codable {
    public var model: String
    public var roc: ROCCurve
    /// PD histogram on 20 equal-width bins of [0, 1], by outcome.
    public var defaultsHistogram: [Int]
    public var nonDefaultsHistogram: [Int]
    /// Calibration bands: mean predicted PD, observed default rate, rows.
    public var calibration: [[Double]]

    init(model: String, probabilities: [Double], events: [Bool]) throws {
        self.model = model
        roc = try ROCCurve(scores: probabilities, events: events)
        var defaults = Array(repeating: 0, count: 20), others = Array(repeating: 0, count: 20)
        for (pd, event) in zip(probabilities, events) {
            let bin = min(19, max(0, Int(pd * 20)))
            if event { defaults[bin] += 1 } else { others[bin] += 1 }
        }
        (defaultsHistogram, nonDefaultsHistogram) = (defaults, others)
        calibration = try CalibrationReport(probabilities: probabilities, events: events, bands: min(10, probabilities.count)).bands
            .map { [$0.meanPredicted, $0.observedRate, Double($0.count)] }
    }
}

/// Self-contained HTML reports (inline SVG and CSS, no script, no network).
public enum HTMLReport {
    private static let palette = ["#1f5fa8", "#d2691e", "#2e8b57", "#8b1a1a"]

    /// The champion/challenger report: metrics, ROC and KS curves, PD distributions by outcome,
    /// calibration, the swap set and fairness tables.
    public static func comparison(_ report: ComparisonReport, curves: [ModelCurves]) -> String {
        var body = "<h1>Model comparison</h1>"
        body += "<p>\(escape(report.source)): \(report.rows) rows compared, \(report.defaults) defaults, \(report.excluded) excluded. "
        body += "Cut-off: approve at PD ≤ \(format(report.cutoff)).</p>"
        body += "<table><tr><th>model</th><th>AUC</th><th>95% CI</th><th>Gini</th><th>KS</th><th>log loss</th><th>Brier</th><th>approval</th><th>bad rate (approved)</th></tr>"
        for m in report.models {
            body += "<tr><td>\(escape(m.model))</td><td>\(format(m.auc))</td><td>\(format(m.aucLower))–\(format(m.aucUpper))</td><td>\(format(m.gini))</td>"
            body += "<td>\(format(m.ks))</td><td>\(format(m.logLoss))</td><td>\(format(m.brier))</td>"
            body += "<td>\(percent(m.atCutoff.approvalRate))</td><td>\(percent(m.atCutoff.approvedBadRate))</td></tr>"
        }
        body += "</table><p>DeLong test of the AUC difference: \(format(report.aucDifference)), z = \(format(report.z)), p = \(format(report.pValue)).</p>"
        body += "<div class=charts>"
        body += lineChart(
            title: "ROC", xLabel: "false positive rate", yLabel: "true positive rate",
            series: curves.map { ($0.model, $0.roc.points.map { ($0.falsePositiveRate, $0.truePositiveRate) }, false) }
                + [("chance", [(0, 0), (1, 1)], true)], xRange: (0, 1), yRange: (0, 1))
        body += lineChart(
            title: "KS: cumulative share flagged by PD threshold", xLabel: "PD threshold", yLabel: "cumulative share",
            series: curves.prefix(2).flatMap { curve -> [(String, [(Double, Double)], Bool)] in
                let points = curve.roc.points.filter(\.threshold.isFinite)
                return [("\(curve.model) defaults", points.map { ($0.threshold, $0.truePositiveRate) }, false),
                        ("\(curve.model) non-defaults", points.map { ($0.threshold, $0.falsePositiveRate) }, true)]
            }, xRange: (0, 1), yRange: (0, 1))
        for curve in curves {
            let total = Double(curve.defaultsHistogram.reduce(0, +)), others = Double(curve.nonDefaultsHistogram.reduce(0, +))
            body += lineChart(
                title: "PD distribution by outcome", subtitle: curve.model, xLabel: "PD", yLabel: "share of the outcome",
                series: [("defaults", curve.defaultsHistogram.enumerated().map { (Double($0.offset) / 20 + 0.025, Double($0.element) / max(1, total)) }, false),
                         ("non-defaults", curve.nonDefaultsHistogram.enumerated().map { (Double($0.offset) / 20 + 0.025, Double($0.element) / max(1, others)) }, true)],
                xRange: (0, 1))
        }
        body += lineChart(
            title: "Calibration: observed against predicted PD", xLabel: "mean predicted PD (band)", yLabel: "observed default rate",
            series: curves.map { ($0.model, $0.calibration.map { ($0[0], $0[1]) }, false) } + [("perfect", [(0, 0), (1, 1)], true)],
            xRange: (0, 1), yRange: (0, 1))
        body += "</div><h2>Swap set at the cut-off</h2><table><tr><th></th><th>\(escape(report.models[1].model)) approves</th><th>\(escape(report.models[1].model)) declines</th></tr>"
        let s = report.swap
        body += "<tr><th>\(escape(report.models[0].model)) approves</th><td>\(s.approvedByBoth) (\(s.approvedByBothDefaults) defaults)</td><td>\(s.approvedByFirstOnly) (\(s.approvedByFirstOnlyDefaults) defaults)</td></tr>"
        body += "<tr><th>\(escape(report.models[0].model)) declines</th><td>\(s.approvedBySecondOnly) (\(s.approvedBySecondOnlyDefaults) defaults)</td><td>\(s.declinedByBoth) (\(s.declinedByBothDefaults) defaults)</td></tr></table>"
        for (model, fairness) in zip(report.models, report.fairness ?? []) {
            body += "<h2>Fairness: \(escape(model.model))</h2><table><tr><th>group</th><th>rows</th><th>approval</th><th>adverse-impact ratio</th></tr>"
            for g in fairness.groups {
                let ratio = g.adverseImpactRatio.map { $0 < 0.8 ? "<b class=warn>\(format($0))</b>" : format($0) } ?? "insufficient (&lt; \(fairness.minimumSize) rows)"
                body += "<tr><td>\(escape(g.group))</td><td>\(g.rows)</td><td>\(percent(g.approvalRate))</td><td>\(ratio)</td></tr>"
            }
            body += "</table>"
        }
        return page(title: "Model comparison", body: body)
    }

    /// The drift report: PSI of the PD and CSI per feature as bars, with the 0.1 and 0.25 lines.
    public static func monitor(_ report: MonitorReport) -> String {
        var body = "<h1>Population stability</h1><p>\(escape(report.model)): \(escape(report.baseline)) (\(report.baselineRows) rows) → "
        body += "\(escape(report.current)) (\(report.currentRows) rows). Status: <b>\(report.status.rawValue)</b>.</p>"
        body += "<p>Bars: green below 0.1 (stable), amber 0.1 to 0.25 (moderate shift), red 0.25 and above (significant shift). "
        body += "The scale ends at 1; a longer bar ends in an arrow and shows its value.</p>"
        let items = [report.score] + report.features
        let width = 900.0, rowHeight = 22.0, left = 380.0
        let height = Double(items.count) * rowHeight + 40
        // At most 1 on the scale, so that one huge shift does not squash the others and the marks.
        let maximum = min(1, max(0.3, items.map(\.psi).max() ?? 0))
        let span = width - left - 70  // room on the right for the value of a bar off the scale
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img' aria-label='PSI by feature'>"
        for (threshold, label) in [(0.1, "0.1"), (0.25, "0.25")] {
            let x = left + threshold / maximum * span
            svg += "<line x1='\(x)' y1='10' x2='\(x)' y2='\(height - 25)' stroke='#999' stroke-dasharray='4 3'/>"
            svg += "<text x='\(x)' y='\(height - 10)' font-size='11' text-anchor='middle'>\(label)</text>"
        }
        for (index, item) in items.enumerated() {
            let y = 12 + Double(index) * rowHeight
            let barWidth = max(1, min(item.psi, maximum) / maximum * span)
            let color = item.psi >= 0.25 ? "#b22222" : item.psi >= 0.1 ? "#d2a01e" : "#2e8b57"
            svg += "<text x='\(left - 8)' y='\(y + 13)' font-size='12' text-anchor='end'>\(escape(item.name))</text>"
            svg += "<rect x='\(left)' y='\(y)' width='\(barWidth)' height='\(rowHeight - 6)' fill='\(color)'><title>\(escape(item.name)): \(format(item.psi))</title></rect>"
            if item.psi > maximum {
                let end = left + barWidth, middle = y + (rowHeight - 6) / 2
                svg += "<polygon points='\(end),\(y - 2) \(end + 8),\(middle) \(end),\(y + rowHeight - 4)' fill='\(color)'/>"
            }
            svg += "<text x='\(left + barWidth + (item.psi > maximum ? 12 : 4))' y='\(y + 13)' font-size='11'>\(format(item.psi))</text>"
        }
        body += svg + "</svg>"
        return page(title: "Population stability", body: body)
    }

    // MARK: - Drawing

    /// A line chart with a title (and a subtitle, such as the model's name) above it and one
    /// legend row per series below it, so that long model names are never cut.
    private static func lineChart(
        title: String, subtitle: String? = nil, xLabel: String, yLabel: String, series: [(String, [(Double, Double)], Bool)],
        xRange: (Double, Double)? = nil, yRange: (Double, Double)? = nil
    ) -> String {
        let plotted = series.filter { !$0.1.isEmpty }
        let (width, plotHeight) = (420.0, 220.0)
        let (left, right, top) = (56.0, 12.0, subtitle == nil ? 30.0 : 44.0)
        let plotBottom = top + plotHeight
        let height = plotBottom + 50 + Double(plotted.count) * 13
        let xs = plotted.flatMap { $0.1.map(\.0) }, ys = plotted.flatMap { $0.1.map(\.1) }
        let (x0, x1) = xRange ?? (xs.min() ?? 0, max((xs.max() ?? 1), (xs.min() ?? 0) + 1e-9))
        let (y0, y1) = yRange ?? (min(0, ys.min() ?? 0), max((ys.max() ?? 1) * 1.05, 1e-9))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { plotBottom - (y - y0) / (y1 - y0) * plotHeight }
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img' aria-label='\(escape(title))'>"
        svg += "<text x='\(width / 2)' y='18' font-size='13' font-weight='bold' text-anchor='middle'>\(escape(title))</text>"
        if let subtitle { svg += "<text x='\(width / 2)' y='34' font-size='11' text-anchor='middle'>\(escape(subtitle))</text>" }
        svg += "<rect x='\(left)' y='\(top)' width='\(width - left - right)' height='\(plotHeight)' fill='none' stroke='#444'/>"
        for tick in 0...4 {
            let fx = x0 + (x1 - x0) * Double(tick) / 4, fy = y0 + (y1 - y0) * Double(tick) / 4
            svg += "<text x='\(px(fx))' y='\(plotBottom + 14)' font-size='10' text-anchor='middle'>\(format(fx, digits: 2))</text>"
            svg += "<text x='\(left - 4)' y='\(py(fy) + 3)' font-size='10' text-anchor='end'>\(format(fy, digits: 2))</text>"
        }
        svg += "<text x='\((left + width - right) / 2)' y='\(plotBottom + 30)' font-size='11' text-anchor='middle'>\(escape(xLabel))</text>"
        svg += "<text x='12' y='\(top + plotHeight / 2)' font-size='11' text-anchor='middle' transform='rotate(-90 12 \(top + plotHeight / 2))'>\(escape(yLabel))</text>"
        for (index, (name, points, dashed)) in plotted.enumerated() {
            let color = dashed && name == "chance" || name == "perfect" ? "#999" : palette[index % palette.count]
            let path = points.map { "\(format(px($0.0), digits: 1)),\(format(py($0.1), digits: 1))" }.joined(separator: " ")
            svg += "<polyline fill='none' stroke='\(color)' stroke-width='1.6'\(dashed ? " stroke-dasharray='5 3'" : "") points='\(path)'/>"
            let legendY = plotBottom + 46 + Double(index) * 13
            svg += "<line x1='\(left)' y1='\(legendY - 4)' x2='\(left + 16)' y2='\(legendY - 4)' stroke='\(color)' stroke-width='2'\(dashed ? " stroke-dasharray='5 3'" : "")/>"
            svg += "<text x='\(left + 20)' y='\(legendY)' font-size='10'>\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    private static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
        td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}.charts{display:flex;flex-wrap:wrap;gap:12px}
        .warn{color:#b22222}</style></head><body>
        \(body)
        </body></html>
        """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "'": escaped += "&#39;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func format(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite else { return value > 0 ? "∞" : "−∞" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return "\(rounded)"
    }

    private static func percent(_ value: Double) -> String { format(100 * value, digits: 2) + "%" }
}
