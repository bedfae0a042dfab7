public import CreditEngine
import RealModule

/// Writes a model file as PMML 4.4, for any PMML consumer (jpmml-evaluator, jpmml-evaluator-spark,
/// decision platforms) to score exactly as `credit score` does.
///
/// - Logistic models: a `MiningModel` chain of two `RegressionModel`s: the first (`regression`,
///   no normalisation) computes the log-odds η from the intercept and coefficients, the second
///   (`classification`, `normalizationMethod="logit"`) the PD from η, so the score is computed
///   from η itself (exact where the PD rounds to 1, where a score from the PD would lose every
///   digit). Each feature's policies go into its `MiningField`: an imputed missing value is
///   `missingValueTreatment="asValue"` with its `missingValueReplacement`, a rejected one
///   `returnInvalid`; an unseen category scored as a level is `invalidValueTreatment="asValue"`,
///   a rejected one `returnInvalid`. Categorical levels are `CategoricalPredictor`s.
/// - Scorecards: a `Scorecard` with `useReasonCodes="true"`, `reasonCodeAlgorithm="pointsBelow"`
///   and `baselineMethod="other"`: each characteristic's `baselineScore` is its best bin's points
///   less ½, so the reason codes rank the points lost against the best bin (all shifted by ½: the
///   order and ties are kept), and a characteristic scored at its best bin, whose difference is
///   −½, gives no reason code: exactly CreditEngine's reasons (PMML consumers drop reason codes
///   whose points are not positive; jpmml-evaluator does, tested). The
///   missing and special bins come first as attributes, the catch-all (`True`) last; an unseen
///   category is scored as missing or refused (`invalidValueTreatment`) as the model says.
///
/// Outputs: `probability_of_default`, `score` (the target of a scorecard, an output of a
/// logistic model, from the PD through the scaling) and, for scorecards, `reason_1 … reason_4`.
/// `ModelVerification` carries the model file's embedded examples. Numbers are written in
/// shortest round-trip form, so every coefficient and cut-off reads back bit for bit.
public enum PMMLExporter {
    /// The PMML document of `file`.
    /// - Throws: ``InterchangeError`` for a model the PMML cannot represent.
    public static func document(for file: ModelFile) throws(InterchangeError) -> String {
        try checkRepresentable(file)
        var xml = XMLText()
        xml.line(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        xml.open("PMML", ["xmlns": "http://www.dmg.org/PMML-4_4", "version": "4.4"])
        xml.open("Header", ["description": "\(file.modelId) \(file.modelVersion) (\(file.kind)), exported by CreditEngine"])
        xml.empty("Application", ["name": "CreditEngine", "version": "1"])
        xml.empty("Extension", ["extender": "CreditEngine", "name": PMMLMetadata.extensionName, "value": try PMMLMetadata(file).json()])
        xml.close("Header")
        if let scorecard = file.scorecard {
            try scorecardModel(scorecard, file: file, into: &xml)
        } else if let model = file.model {
            try regressionModel(model, file: file, into: &xml)
        } else {
            throw .unsupported(path: "kind", detail: "the model file has neither a model nor a scorecard")
        }
        xml.close("PMML")
        return xml.text
    }

    /// - Throws: when a name or label holds a character XML cannot carry.
    private static func checkRepresentable(_ file: ModelFile) throws(InterchangeError) {
        var texts = [file.target.column, file.target.event]
        for feature in file.model?.features ?? [] {
            texts.append(feature.name)
            if case .categorical(_, let levels, _, _) = feature.encoding { texts += levels.map(\.value) }
        }
        for characteristic in file.scorecard?.characteristics ?? [] {
            texts += [characteristic.name, characteristic.reason.code]
            for bin in characteristic.binning.bins {
                if case .categories(let labels) = bin.values { texts += labels }
                if case .specialCategories(let labels) = bin.values { texts += labels }
            }
        }
        for example in file.examples { for case .category(let label) in example.input.values { texts.append(label) } }
        if let bad = texts.first(where: { !XMLText.isRepresentable($0) }) {
            throw .unsupported(path: "model", detail: "a name or label holds a control character that XML cannot carry (\(bad.unicodeScalars.count) characters)")
        }
    }

    /// The name of the non-event category of a logistic model's target.
    static let nonEvent = "other"

    // MARK: - Logistic regression

    private static func regressionModel(_ model: LogisticModel, file: ModelFile, into xml: inout XMLText) throws(InterchangeError) {
        let target = file.target.column
        xml.open("DataDictionary", ["numberOfFields": "\(model.features.count + 1)"])
        for feature in model.features {
            switch feature.encoding {
            case .numeric:
                xml.empty("DataField", ["name": feature.name, "optype": "continuous", "dataType": "double"])
            case .categorical(_, let levels, _, _):
                xml.open("DataField", ["name": feature.name, "optype": "categorical", "dataType": "string"])
                for level in levels { xml.empty("Value", ["value": level.value]) }
                xml.close("DataField")
            case .binned:
                throw .unsupported(path: "model.features[\(feature.name)]", detail: "binned features export as a scorecard")
            }
        }
        xml.open("DataField", ["name": target, "optype": "categorical", "dataType": "string"])
        xml.empty("Value", ["value": file.target.event])
        xml.empty("Value", ["value": nonEvent])
        xml.close("DataField")
        xml.close("DataDictionary")

        // A chain: the first segment computes the log-odds η (so the score comes from η itself,
        // exactly, even where the PD rounds to 1), the second the PD from η with the logit link.
        xml.open("MiningModel", ["modelName": "\(file.modelId)@\(file.modelVersion)", "functionName": "classification"])
        miningSchema(model, target: target, into: &xml)
        xml.open("Segmentation", ["multipleModelMethod": "modelChain"])

        xml.open("Segment", ["id": "log-odds"])
        xml.empty("True")
        xml.open("RegressionModel", ["functionName": "regression", "normalizationMethod": "none"])
        miningSchema(model, target: nil, into: &xml)
        xml.open("Output")
        xml.empty("OutputField", ["name": logOdds, "optype": "continuous", "dataType": "double", "feature": "predictedValue"])
        xml.close("Output")
        xml.open("RegressionTable", ["intercept": number(model.intercept)])
        for feature in model.features {
            switch feature.encoding {
            case .numeric(let coefficient, _):
                xml.empty("NumericPredictor", ["name": feature.name, "coefficient": number(coefficient)])
            case .categorical(_, let levels, _, _):
                for level in levels where level.coefficient != 0 {
                    xml.empty("CategoricalPredictor", ["name": feature.name, "value": level.value, "coefficient": number(level.coefficient)])
                }
            case .binned:
                break
            }
        }
        xml.close("RegressionTable")
        xml.close("RegressionModel")
        xml.close("Segment")

        xml.open("Segment", ["id": "probability"])
        xml.empty("True")
        xml.open("RegressionModel", ["functionName": "classification", "normalizationMethod": "logit"])
        xml.open("MiningSchema")
        xml.empty("MiningField", ["name": logOdds])
        xml.empty("MiningField", ["name": target, "usageType": "target"])
        xml.close("MiningSchema")
        xml.open("Output")
        xml.empty("OutputField", [
            "name": "probability_of_default", "optype": "continuous", "dataType": "double", "feature": "probability", "value": file.target.event,
        ])
        // score = baseScore + factor · (−η − ln baseOdds), as CreditEngine computes it.
        xml.open("OutputField", ["name": "score", "optype": "continuous", "dataType": "double", "feature": "transformedValue"])
        xml.open("Apply", ["function": "+"])
        xml.constant(file.scaling.baseScore)
        xml.open("Apply", ["function": "*"])
        xml.constant(file.scaling.factor)
        xml.open("Apply", ["function": "-"])
        xml.open("Apply", ["function": "*"])
        xml.constant(-1)
        xml.empty("FieldRef", ["field": logOdds])
        xml.close("Apply")
        xml.constant(Double.log(file.scaling.baseOdds))
        xml.close("Apply")
        xml.close("Apply")
        xml.close("Apply")
        xml.close("OutputField")
        xml.close("Output")
        xml.open("RegressionTable", ["targetCategory": file.target.event, "intercept": "0"])
        xml.empty("NumericPredictor", ["name": logOdds, "coefficient": "1"])
        xml.close("RegressionTable")
        xml.empty("RegressionTable", ["targetCategory": nonEvent, "intercept": "0"])
        xml.close("RegressionModel")
        xml.close("Segment")
        xml.close("Segmentation")
        verification(file.examples, fields: model.features.map(\.name), outputs: [("probability_of_default", { $0.probabilityOfDefault }), ("score", { $0.score })], into: &xml)
        xml.close("MiningModel")
    }

    /// The output field of the chain's first segment: the linear predictor.
    static let logOdds = "credit_log_odds"

    /// The mining schema of a logistic model's features, with each feature's policies, and the
    /// target when given.
    private static func miningSchema(_ model: LogisticModel, target: String?, into xml: inout XMLText) {
        xml.open("MiningSchema")
        for feature in model.features {
            var attributes: [String: String] = ["name": feature.name]
            switch feature.encoding {
            case .numeric(_, .impute(let value)):
                attributes["missingValueTreatment"] = "asValue"
                attributes["missingValueReplacement"] = number(value)
                attributes["invalidValueTreatment"] = "returnInvalid"
            case .numeric(_, .reject):
                attributes["missingValueTreatment"] = "returnInvalid"
                attributes["invalidValueTreatment"] = "returnInvalid"
            case .categorical(_, _, let missing, let unknown):
                switch missing {
                case .level(let level): (attributes["missingValueTreatment"], attributes["missingValueReplacement"]) = ("asValue", level)
                case .reject: attributes["missingValueTreatment"] = "returnInvalid"
                }
                switch unknown {
                case .level(let level): (attributes["invalidValueTreatment"], attributes["invalidValueReplacement"]) = ("asValue", level)
                case .reject: attributes["invalidValueTreatment"] = "returnInvalid"
                }
            case .binned:
                break
            }
            xml.empty("MiningField", attributes)
        }
        if let target { xml.empty("MiningField", ["name": target, "usageType": "target"]) }
        xml.close("MiningSchema")
    }

    // MARK: - Scorecard

    private static func scorecardModel(_ scorecard: Scorecard, file: ModelFile, into xml: inout XMLText) throws(InterchangeError) {
        let characteristics = scorecard.characteristics
        xml.open("DataDictionary", ["numberOfFields": "\(characteristics.count + 1)"])
        for characteristic in characteristics {
            let binning = characteristic.binning
            if binning.isNumeric {
                xml.empty("DataField", ["name": binning.name, "optype": "continuous", "dataType": "double"])
                continue
            }
            xml.open("DataField", ["name": binning.name, "optype": "categorical", "dataType": "string"])
            for bin in binning.bins {
                switch bin.values {
                case .categories(let labels), .specialCategories(let labels): for label in labels { xml.empty("Value", ["value": label]) }
                default: break
                }
            }
            xml.close("DataField")
        }
        xml.empty("DataField", ["name": "score", "optype": "continuous", "dataType": "double"])
        xml.close("DataDictionary")

        xml.open("Scorecard", [
            "modelName": "\(file.modelId)@\(file.modelVersion)", "functionName": "regression", "useReasonCodes": "true",
            "reasonCodeAlgorithm": "pointsBelow", "baselineMethod": "other", "initialScore": "\(scorecard.basePoints)",
        ])
        xml.open("MiningSchema")
        for characteristic in characteristics {
            var attributes = ["name": characteristic.name]
            // A number out of every interval cannot happen (the intervals cover the line); an
            // unseen category is missing or refused, as the model says.
            attributes["invalidValueTreatment"] = catchAllPoints(characteristic) == nil ? "returnInvalid" : "asIs"
            if characteristic.binning.missingBinIndex == nil { attributes["missingValueTreatment"] = "returnInvalid" }
            xml.empty("MiningField", attributes)
        }
        xml.empty("MiningField", ["name": "score", "usageType": "target"])
        xml.close("MiningSchema")

        xml.open("Output")
        // The total points again, as an output field the PD's expression can refer to.
        xml.empty("OutputField", ["name": "total_points", "optype": "continuous", "dataType": "double", "feature": "predictedValue"])
        // PD = σ(η) with η = (offset − score) / factor: 1 / (1 + exp((score − offset) / factor)).
        xml.open("OutputField", ["name": "probability_of_default", "optype": "continuous", "dataType": "double", "feature": "transformedValue"])
        xml.open("Apply", ["function": "/"])
        xml.constant(1)
        xml.open("Apply", ["function": "+"])
        xml.constant(1)
        xml.open("Apply", ["function": "exp"])
        xml.open("Apply", ["function": "/"])
        xml.open("Apply", ["function": "-"])
        xml.empty("FieldRef", ["field": "total_points"])
        xml.constant(file.scaling.offset)
        xml.close("Apply")
        xml.constant(file.scaling.factor)
        xml.close("Apply")
        xml.close("Apply")
        xml.close("Apply")
        xml.close("Apply")
        xml.close("OutputField")
        for rank in 1...4 {
            xml.empty("OutputField", ["name": "reason_\(rank)", "optype": "categorical", "dataType": "string", "feature": "reasonCode", "rank": "\(rank)"])
        }
        xml.close("Output")

        xml.open("Characteristics")
        for characteristic in characteristics {
            xml.open("Characteristic", [
                "name": "\(characteristic.name)_points", "reasonCode": characteristic.reason.code, "baselineScore": number(Double(characteristic.maxPoints) - 0.5),
            ])
            let bins = characteristic.binning.bins
            // Missing and special bins first (they take precedence over the intervals), then the others in order.
            let order = bins.indices.filter { isFirst(bins[$0].values) } + bins.indices.filter { !isFirst(bins[$0].values) }
            for index in order {
                xml.open("Attribute", ["partialScore": "\(characteristic.points[index])"])
                predicate(for: bins[index].values, field: characteristic.name, into: &xml)
                xml.close("Attribute")
            }
            if let points = catchAllPoints(characteristic) {
                xml.open("Attribute", ["partialScore": "\(points)"])
                xml.empty("True")
                xml.close("Attribute")
            }
            xml.close("Characteristic")
        }
        xml.close("Characteristics")
        verification(file.examples, fields: characteristics.map(\.name), outputs: [("score", { $0.score }), ("probability_of_default", { $0.probabilityOfDefault })], into: &xml)
        xml.close("Scorecard")
    }

    /// The points of the catch-all attribute, last: for a categorical characteristic that scores
    /// an unseen category as missing, the missing bin's points; none otherwise (an unseen category
    /// is then refused, and every number falls in an interval).
    private static func catchAllPoints(_ characteristic: Characteristic) -> Int? {
        guard !characteristic.binning.isNumeric, characteristic.unseenCategoryAsMissing, let missing = characteristic.binning.missingBinIndex else { return nil }
        return characteristic.points[missing]
    }

    private static func isFirst(_ values: Bin.Values) -> Bool {
        switch values {
        case .missing, .special, .specialCategories: return true
        case .interval, .categories: return false
        }
    }

    private static func predicate(for values: Bin.Values, field: String, into xml: inout XMLText) {
        func anyOf(_ values: [String]) {
            if values.count == 1 {
                xml.empty("SimplePredicate", ["field": field, "operator": "equal", "value": values[0]])
                return
            }
            xml.open("CompoundPredicate", ["booleanOperator": "or"])
            for value in values { xml.empty("SimplePredicate", ["field": field, "operator": "equal", "value": value]) }
            xml.close("CompoundPredicate")
        }
        switch values {
        case .missing:
            xml.empty("SimplePredicate", ["field": field, "operator": "isMissing"])
        case .special(let numbers):
            anyOf(numbers.map(number))
        case .categories(let labels), .specialCategories(let labels):
            anyOf(labels)
        case .interval(nil, nil):
            xml.empty("True")
        case .interval(let lower?, nil):
            xml.empty("SimplePredicate", ["field": field, "operator": "greaterOrEqual", "value": number(lower)])
        case .interval(nil, let upper?):
            xml.empty("SimplePredicate", ["field": field, "operator": "lessThan", "value": number(upper)])
        case .interval(let lower?, let upper?):
            xml.open("CompoundPredicate", ["booleanOperator": "and"])
            xml.empty("SimplePredicate", ["field": field, "operator": "greaterOrEqual", "value": number(lower)])
            xml.empty("SimplePredicate", ["field": field, "operator": "lessThan", "value": number(upper)])
            xml.close("CompoundPredicate")
        }
    }

    // MARK: - Verification

    /// `ModelVerification` with the examples: the inputs and the expected outputs.
    private static func verification(
        _ examples: [ModelFile.Example], fields: [String], outputs: [(name: String, value: (ModelFile.Example) -> Double)], into xml: inout XMLText
    ) {
        guard !examples.isEmpty else { return }
        xml.open("ModelVerification", ["recordCount": "\(examples.count)", "fieldCount": "\(fields.count + outputs.count)"])
        xml.open("VerificationFields")
        // Columns of the InlineTable are named c0, c1, …: field names need not be XML names.
        for (index, field) in fields.enumerated() { xml.empty("VerificationField", ["field": field, "column": "c\(index)"]) }
        for (offset, output) in outputs.enumerated() {
            xml.empty("VerificationField", ["field": output.name, "column": "c\(fields.count + offset)", "precision": "1E-12", "zeroThreshold": "1E-16"])
        }
        xml.close("VerificationFields")
        xml.open("InlineTable")
        for example in examples {
            xml.open("row")
            for (index, field) in fields.enumerated() {
                switch example.input[field] ?? .missing {
                case .number(let value): xml.element("c\(index)", text: number(value))
                case .category(let label): xml.element("c\(index)", text: label)
                case .missing: break
                }
            }
            for (offset, output) in outputs.enumerated() { xml.element("c\(fields.count + offset)", text: number(output.value(example))) }
            xml.close("row")
        }
        xml.close("InlineTable")
        xml.close("ModelVerification")
    }

    /// A double in shortest round-trip form (`1169`, `0.0424966`, `1e-05`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// XML text built element by element, attributes sorted and escaped.
struct XMLText {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String) {
        text += String(repeating: "  ", count: depth) + content + "\n"
    }

    mutating func open(_ name: String, _ attributes: [String: String] = [:]) {
        line("<\(name)\(Self.render(attributes))>")
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        line("</\(name)>")
    }

    mutating func empty(_ name: String, _ attributes: [String: String] = [:]) {
        line("<\(name)\(Self.render(attributes))/>")
    }

    mutating func element(_ name: String, text content: String) {
        line("<\(name)>\(Self.escape(content))</\(name)>")
    }

    mutating func constant(_ value: Double) {
        line("<Constant dataType=\"double\">\(PMMLExporter.number(value))</Constant>")
    }

    private static func render(_ attributes: [String: String]) -> String {
        attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }

    /// Escapes the five XML special characters, and writes tabs, line breaks and other control
    /// characters as character references (attribute values normalise raw white space).
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether XML 1.0 can carry `text` at all (no control characters but tab and line breaks).
    static func isRepresentable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            && !text.unicodeScalars.contains { (0xFFFE...0xFFFF).contains($0.value) }
    }
}
