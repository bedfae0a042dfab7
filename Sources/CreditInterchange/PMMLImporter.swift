public import CreditEngine
public import Foundation
import FoundationXML

/// Reads the part of PMML that CreditEngine can represent into a sealed model file:
///
/// - a `RegressionModel` (`classification`, `normalizationMethod="logit"`, one table per outcome,
///   the other outcome's table empty), or the two-segment `MiningModel` chain the exporter writes
///   (log-odds, then logit), with `NumericPredictor`s (exponent 1) and `CategoricalPredictor`s,
///   and the missing and invalid value treatments of its `MiningSchema`;
/// - a `Scorecard` with integer `partialScore`s whose attributes are `isMissing`, `equal` (or an
///   `or` of them), `greaterOrEqual` / `lessThan` (or their `and`) and a last `True` catch-all,
///   with reason codes ranked `pointsBelow`.
///
/// Anything else (Discretize or MapValues transformations, other model types, `pointsAbove`,
/// non-integer points, a catch-all that is not the missing bin) is refused with the element path
/// named. What PMML has no element for (the ids, the target's event label, the scaling, reason
/// texts) comes from the exporter's `Extension`, or, for another tool's PMML, from the caller and
/// the defaults. External entities are never resolved.
public enum PMMLImporter {
    /// The model file of `data`; `modelId` and `modelVersion` override (or, without the
    /// exporter's metadata, supply) the identity.
    /// - Throws: ``InterchangeError`` naming the element path of what cannot be represented.
    public static func modelFile(from data: Data, modelId: String? = nil, modelVersion: String? = nil) throws(InterchangeError) -> ModelFile {
        let root = try XMLTree.parse(data)
        guard root.name == "PMML" else { throw .unsupported(path: root.name, detail: "the document element must be PMML") }
        guard let version = root.attributes["version"], version.hasPrefix("4.") else {
            throw .unsupported(path: "PMML", detail: "only PMML 4.x is read (version 4.4 recommended)")
        }
        let metadata = try metadata(of: root)
        guard let id = modelId ?? metadata?.modelId, let modelVersion = modelVersion ?? metadata?.modelVersion else {
            throw .unsupported(path: "PMML/Header", detail: "no CreditEngine metadata: give the model id and version")
        }
        let dictionary = try DataDictionary(root)
        let models = root.children.filter { ["RegressionModel", "Scorecard", "MiningModel"].contains($0.name) }
        guard models.count == 1, let model = models.first else {
            let other = root.children.first { $0.name.hasSuffix("Model") || $0.name == "Scorecard" }
            throw .unsupported(path: "PMML/\(other?.name ?? "")", detail: "exactly one RegressionModel, Scorecard or two-segment MiningModel is read")
        }
        if let transformations = model.children.first(where: { $0.name == "LocalTransformations" }) ?? root.children.first(where: { $0.name == "TransformationDictionary" }),
            !transformations.children.isEmpty
        {
            throw .unsupported(path: transformations.path, detail: "derived fields (Discretize, MapValues, …) are not read")
        }
        let file: ModelFile
        switch model.name {
        case "Scorecard":
            file = try scorecard(model, dictionary: dictionary, metadata: metadata, id: id, version: modelVersion)
        default:
            file = try logistic(model, dictionary: dictionary, metadata: metadata, id: id, version: modelVersion)
        }
        do { return try file.sealed() } catch { throw .unsupported(path: model.path, detail: "a number is not finite") }
    }

    private static func metadata(of root: XMLTree) throws(InterchangeError) -> PMMLMetadata? {
        guard let header = root.child("Header"),
            let element = header.children.first(where: { $0.name == "Extension" && $0.attributes["name"] == PMMLMetadata.extensionName }),
            let value = element.attributes["value"]
        else { return nil }
        do { return try JSONDecoder().decode(PMMLMetadata.self, from: Data(value.utf8)) } catch {
            throw .unsupported(path: element.path, detail: "the CreditEngine metadata cannot be read")
        }
    }

    /// The fields of the `DataDictionary`: which are numeric, and the categories of the others.
    private struct DataDictionary {
        var numeric: Set<String> = []
        var categories: [String: [String]] = [:]

        init(_ root: XMLTree) throws(InterchangeError) {
            guard let dictionary = root.child("DataDictionary") else { throw .unsupported(path: "PMML", detail: "no DataDictionary") }
            for field in dictionary.children where field.name == "DataField" {
                guard let name = field.attributes["name"] else { throw .unsupported(path: field.path, detail: "a DataField needs a name") }
                switch field.attributes["optype"] {
                case "continuous": numeric.insert(name)
                case "categorical", "ordinal": categories[name] = field.children.filter { $0.name == "Value" }.compactMap { $0.attributes["value"] }
                default: throw .unsupported(path: field.path, detail: "optype must be continuous or categorical")
                }
            }
        }
    }

    // MARK: - Logistic regression

    private static func logistic(
        _ model: XMLTree, dictionary: DataDictionary, metadata: PMMLMetadata?, id: String, version: String
    ) throws(InterchangeError) -> ModelFile {
        let schema = try miningSchema(model)
        let linear: XMLTree
        let event: String
        if model.name == "MiningModel" {
            // The exporter's chain: segment 1 gives the log-odds, segment 2 the PD by the logit link.
            guard let segmentation = model.child("Segmentation"), segmentation.attributes["multipleModelMethod"] == "modelChain" else {
                throw .unsupported(path: model.path, detail: "only a modelChain MiningModel of log-odds then logit is read")
            }
            let segments = segmentation.children.filter { $0.name == "Segment" }
            guard segments.count == 2, let first = segments[0].child("RegressionModel"), let second = segments[1].child("RegressionModel"),
                first.attributes["functionName"] == "regression", (first.attributes["normalizationMethod"] ?? "none") == "none",
                second.attributes["functionName"] == "classification", second.attributes["normalizationMethod"] == "logit"
            else { throw .unsupported(path: segmentation.path, detail: "only the chain of a log-odds regression and a logit classification is read") }
            let tables = second.children.filter { $0.name == "RegressionTable" }
            guard tables.count == 2, let eventCategory = tables[0].attributes["targetCategory"], tables[1].children.isEmpty,
                Double(tables[0].attributes["intercept"] ?? "0") == 0,
                tables[0].children.count == 1, tables[0].children[0].attributes["coefficient"].flatMap(Double.init) == 1
            else { throw .unsupported(path: second.path, detail: "the logit segment must pass the log-odds through unchanged") }
            guard let table = first.child("RegressionTable") else { throw .unsupported(path: first.path, detail: "no RegressionTable") }
            (linear, event) = (table, eventCategory)
        } else {
            guard model.attributes["functionName"] == "classification", model.attributes["normalizationMethod"] == "logit" else {
                throw .unsupported(path: model.path, detail: "only a classification RegressionModel with normalizationMethod=\"logit\" is read")
            }
            let tables = model.children.filter { $0.name == "RegressionTable" }
            guard tables.count == 2, let eventCategory = tables[0].attributes["targetCategory"], tables[1].children.isEmpty,
                Double(tables[1].attributes["intercept"] ?? "0") == 0
            else { throw .unsupported(path: model.path, detail: "two RegressionTables are read: the event's, and an empty one for the other outcome") }
            (linear, event) = (tables[0], eventCategory)
        }
        guard let intercept = Double(linear.attributes["intercept"] ?? "") else { throw .unsupported(path: linear.path, detail: "intercept must be a number") }
        var features: [ModelFeature] = []
        for field in schema.fields {
            if dictionary.numeric.contains(field.name) {
                let predictors = linear.children.filter { $0.name == "NumericPredictor" && $0.attributes["name"] == field.name }
                if let exponent = predictors.first?.attributes["exponent"], exponent != "1" {
                    throw .unsupported(path: predictors[0].path, detail: "only exponent 1 is read")
                }
                guard let coefficient = Double(predictors.first?.attributes["coefficient"] ?? "0") else {
                    throw .unsupported(path: linear.path, detail: "the coefficient of \(field.name) must be a number")
                }
                let missing: ModelFeature.NumericMissingPolicy
                if field.missingTreatment == "asValue", let text = field.missingReplacement {
                    guard let value = Double(text) else { throw .unsupported(path: field.path, detail: "missingValueReplacement must be a number") }
                    missing = .impute(value)
                } else {
                    missing = .reject
                }
                features.append(ModelFeature(name: field.name, encoding: .numeric(coefficient: coefficient, missing: missing)))
            } else if let categories = dictionary.categories[field.name] {
                let predictors = linear.children.filter { $0.name == "CategoricalPredictor" && $0.attributes["name"] == field.name }
                var coefficients: [String: Double] = [:]
                for predictor in predictors {
                    guard let value = predictor.attributes["value"], let coefficient = Double(predictor.attributes["coefficient"] ?? "") else {
                        throw .unsupported(path: predictor.path, detail: "a CategoricalPredictor needs a value and a numeric coefficient")
                    }
                    coefficients[value] = coefficient
                }
                let levels = categories.map { ModelFeature.Level(value: $0, coefficient: coefficients[$0] ?? 0) }
                guard let reference = levels.first(where: { $0.coefficient == 0 })?.value else {
                    throw .unsupported(path: field.path, detail: "\(field.name) has no level with coefficient 0 to be the reference")
                }
                let missing: ModelFeature.CategoryPolicy = field.missingTreatment == "asValue" ? field.missingReplacement.map { .level($0) } ?? .reject : .reject
                let unknown: ModelFeature.CategoryPolicy = switch field.invalidTreatment {
                case "asValue": field.invalidReplacement.map { .level($0) } ?? .reject
                case "asMissing": missing
                default: .reject
                }
                features.append(ModelFeature(name: field.name, encoding: .categorical(reference: reference, levels: levels, missing: missing, unknown: unknown)))
            } else {
                throw .unsupported(path: field.path, detail: "\(field.name) is not in the DataDictionary")
            }
        }
        let logisticModel: LogisticModel
        do { logisticModel = try LogisticModel(intercept: intercept, features: features) } catch {
            throw .unsupported(path: model.path, detail: error.problem)
        }
        return ModelFile(
            modelId: id, modelVersion: version, target: .init(column: metadata?.targetColumn ?? schema.target ?? "target", event: metadata?.event ?? event),
            model: logisticModel, scaling: try scaling(metadata, path: model.path), training: nil, examples: try examples(model, fields: schema.fields.map(\.name), dictionary: dictionary))
    }

    // MARK: - Scorecard

    private static func scorecard(
        _ model: XMLTree, dictionary: DataDictionary, metadata: PMMLMetadata?, id: String, version: String
    ) throws(InterchangeError) -> ModelFile {
        guard model.attributes["useReasonCodes"] != "false", (model.attributes["reasonCodeAlgorithm"] ?? "pointsBelow") == "pointsBelow" else {
            throw .unsupported(path: model.path, detail: "only reason codes ranked pointsBelow are read")
        }
        guard let basePoints = Int(model.attributes["initialScore"] ?? "0") else {
            throw .unsupported(path: model.path, detail: "initialScore must be an integer")
        }
        let schema = try miningSchema(model)
        guard let list = model.child("Characteristics") else { throw .unsupported(path: model.path, detail: "no Characteristics") }
        var characteristics: [Characteristic] = []
        for (position, element) in list.children.filter({ $0.name == "Characteristic" }).enumerated() {
            characteristics.append(try characteristic(element, position: position, schema: schema, dictionary: dictionary, metadata: metadata))
        }
        let scaling = try scaling(metadata, path: model.path)
        let scorecard = Scorecard(intercept: metadata?.scorecardIntercept ?? 0, basePoints: basePoints, characteristics: characteristics, scaling: scaling)
        return ModelFile(
            modelId: id, modelVersion: version, target: .init(column: metadata?.targetColumn ?? "target", event: metadata?.event ?? "1"),
            scorecard: scorecard, training: nil, examples: try examples(model, fields: characteristics.map(\.name), dictionary: dictionary))
    }

    private static func characteristic(
        _ element: XMLTree, position: Int, schema: MiningSchema, dictionary: DataDictionary, metadata: PMMLMetadata?
    ) throws(InterchangeError) -> Characteristic {
        var field: String?
        var bins: [Bin] = []
        var points: [Int] = []
        var catchAll: Int?
        let attributes = element.children.filter { $0.name == "Attribute" }
        for (index, attribute) in attributes.enumerated() {
            guard let partial = attribute.attributes["partialScore"], let earned = Int(partial) else {
                throw .unsupported(path: attribute.path, detail: "partialScore must be an integer (CreditEngine scorecards have integer points)")
            }
            guard let predicate = attribute.children.first(where: { $0.name.hasSuffix("Predicate") || $0.name == "True" }) else {
                throw .unsupported(path: attribute.path, detail: "no predicate")
            }
            if predicate.name == "True" {
                guard index == attributes.count - 1 else { throw .unsupported(path: predicate.path, detail: "a True attribute must come last") }
                catchAll = earned
                continue
            }
            let (name, values) = try binValues(predicate, numeric: dictionary.numeric)
            guard field == nil || field == name else { throw .unsupported(path: predicate.path, detail: "every attribute of a characteristic must test one field") }
            field = name
            bins.append(Bin(values: values, count: 0, events: 0, weightOfEvidence: 0, informationValue: 0))
            points.append(earned)
        }
        guard let name = field else { throw .unsupported(path: element.path, detail: "no attribute tests a field") }
        let isNumeric = dictionary.numeric.contains(name)
        var unseenAsMissing = false
        if let catchAll {
            if isNumeric, !bins.contains(where: { if case .interval = $0.values { true } else { false } }) {
                bins.append(Bin(values: .interval(lower: nil, upper: nil), count: 0, events: 0, weightOfEvidence: 0, informationValue: 0))
                points.append(catchAll)
            } else {
                guard !isNumeric, let missing = bins.firstIndex(where: { $0.values == .missing }), points[missing] == catchAll,
                    schema.fields.first(where: { $0.name == name })?.invalidTreatment != "returnInvalid"
                else { throw .unsupported(path: element.path, detail: "a catch-all is read only as an unseen category scored as missing") }
                unseenAsMissing = true
            }
        }
        // CreditEngine's order: value bins, then special bins, then the missing bin.
        let order = bins.indices.sorted { rank(bins[$0].values) < rank(bins[$1].values) || (rank(bins[$0].values) == rank(bins[$1].values) && $0 < $1) }
        let binning = FeatureBinning(name: name, isNumeric: isNumeric, bins: order.map { bins[$0] }, informationValue: 0, gini: 0, ks: 0)
        let code = element.attributes["reasonCode"] ?? name.uppercased()
        let reason = metadata?.reasons.flatMap { position < $0.count && $0[position].code == code ? $0[position] : nil }
            ?? ReasonCode(code: code, english: "The value of \(name) lowered the score", indonesian: "Nilai \(name) menurunkan skor")
        return Characteristic(binning: binning, coefficient: 0, points: order.map { points[$0] }, reason: reason, unseenCategoryAsMissing: unseenAsMissing)
    }

    private static func rank(_ values: Bin.Values) -> Int {
        switch values {
        case .interval, .categories: return 0
        case .special, .specialCategories: return 1
        case .missing: return 2
        }
    }

    /// The field and bin of an attribute's predicate.
    private static func binValues(_ predicate: XMLTree, numeric: Set<String>) throws(InterchangeError) -> (String, Bin.Values) {
        func simple(_ element: XMLTree) throws(InterchangeError) -> (field: String, operator: String, value: String?) {
            guard element.name == "SimplePredicate", let field = element.attributes["field"], let op = element.attributes["operator"] else {
                throw .unsupported(path: element.path, detail: "only SimplePredicate, and and/or of them, are read")
            }
            return (field, op, element.attributes["value"])
        }
        func number(_ text: String?, at element: XMLTree) throws(InterchangeError) -> Double {
            guard let text, let value = Double(text), value.isFinite else { throw .unsupported(path: element.path, detail: "value must be a finite number") }
            return value
        }
        if predicate.name == "CompoundPredicate" {
            let parts = predicate.children.filter { $0.name == "SimplePredicate" }
            guard parts.count == predicate.children.count, !parts.isEmpty else {
                throw .unsupported(path: predicate.path, detail: "only a CompoundPredicate of SimplePredicates is read")
            }
            let tests = try parts.map { part throws(InterchangeError) in try simple(part) }
            guard Set(tests.map(\.field)).count == 1 else { throw .unsupported(path: predicate.path, detail: "every test must be on one field") }
            let field = tests[0].field
            switch predicate.attributes["booleanOperator"] {
            case "or":
                guard tests.allSatisfy({ $0.operator == "equal" }) else { throw .unsupported(path: predicate.path, detail: "an or is read only of equal tests") }
                if numeric.contains(field) {
                    return (field, .special(try zip(tests, parts).map { test, part throws(InterchangeError) in try number(test.value, at: part) }))
                }
                return (field, .categories(tests.compactMap(\.value)))
            case "and":
                guard tests.count == 2, tests[0].operator == "greaterOrEqual", tests[1].operator == "lessThan" else {
                    throw .unsupported(path: predicate.path, detail: "an and is read only as greaterOrEqual then lessThan")
                }
                return (field, .interval(lower: try number(tests[0].value, at: parts[0]), upper: try number(tests[1].value, at: parts[1])))
            default:
                throw .unsupported(path: predicate.path, detail: "booleanOperator must be and or or")
            }
        }
        let test = try simple(predicate)
        switch test.operator {
        case "isMissing": return (test.field, .missing)
        case "equal":
            if numeric.contains(test.field) { return (test.field, .special([try number(test.value, at: predicate)])) }
            return (test.field, .categories([test.value ?? ""]))
        case "greaterOrEqual": return (test.field, .interval(lower: try number(test.value, at: predicate), upper: nil))
        case "lessThan": return (test.field, .interval(lower: nil, upper: try number(test.value, at: predicate)))
        default: throw .unsupported(path: predicate.path, detail: "operator \(test.operator) is not read")
        }
    }

    // MARK: - Shared parts

    private struct MiningSchema {
        struct Field {
            var name: String
            var path: String
            var missingTreatment: String?
            var missingReplacement: String?
            var invalidTreatment: String?
            var invalidReplacement: String?
        }

        var fields: [Field] = []
        var target: String?
    }

    private static func miningSchema(_ model: XMLTree) throws(InterchangeError) -> MiningSchema {
        guard let element = model.child("MiningSchema") else { throw .unsupported(path: model.path, detail: "no MiningSchema") }
        var schema = MiningSchema()
        for field in element.children where field.name == "MiningField" {
            guard let name = field.attributes["name"] else { throw .unsupported(path: field.path, detail: "a MiningField needs a name") }
            switch field.attributes["usageType"] ?? "active" {
            case "active":
                schema.fields.append(.init(
                    name: name, path: field.path, missingTreatment: field.attributes["missingValueTreatment"],
                    missingReplacement: field.attributes["missingValueReplacement"], invalidTreatment: field.attributes["invalidValueTreatment"],
                    invalidReplacement: field.attributes["invalidValueReplacement"]))
            case "target", "predicted": schema.target = name
            default: throw .unsupported(path: field.path, detail: "usageType \(field.attributes["usageType"] ?? "") is not read")
            }
        }
        return schema
    }

    private static func scaling(_ metadata: PMMLMetadata?, path: String) throws(InterchangeError) -> ScoreScaling {
        do {
            guard let metadata else { return try ScoreScaling() }
            return try ScoreScaling(baseScore: metadata.baseScore, baseOdds: metadata.baseOdds, pointsToDoubleOdds: metadata.pointsToDoubleOdds)
        } catch {
            throw .unsupported(path: path, detail: "the scaling is invalid: \(error)")
        }
    }

    /// The `ModelVerification` rows as examples (inputs, and the PD, score and reasons recorded).
    private static func examples(_ model: XMLTree, fields: [String], dictionary: DataDictionary) throws(InterchangeError) -> [ModelFile.Example] {
        guard let verification = model.child("ModelVerification"), let columns = verification.child("VerificationFields"),
            let table = verification.child("InlineTable")
        else { return [] }
        var columnOf: [String: String] = [:]
        for field in columns.children where field.name == "VerificationField" {
            if let name = field.attributes["field"] { columnOf[name] = field.attributes["column"] ?? name }
        }
        return try table.children.filter { $0.name == "row" }.map { row throws(InterchangeError) in
            func cell(_ name: String) -> String? { columnOf[name].flatMap { column in row.children.first { $0.name == column }?.text } }
            var input: [String: FeatureValue] = [:]
            for field in fields {
                guard let text = cell(field) else { input[field] = .missing; continue }
                if dictionary.numeric.contains(field) {
                    guard let number = Double(text) else { throw .unsupported(path: row.path, detail: "\(field) must be a number") }
                    input[field] = .number(number)
                } else {
                    input[field] = .category(text)
                }
            }
            guard let pd = cell("probability_of_default").flatMap(Double.init), let score = cell("score").flatMap(Double.init) else {
                throw .unsupported(path: row.path, detail: "a verification row needs probability_of_default and score")
            }
            return ModelFile.Example(input: input, probabilityOfDefault: pd, score: score)
        }
    }
}

/// A parsed XML element: name, attributes, children and text, with its path for messages.
final class XMLTree {
    let name: String
    let attributes: [String: String]
    let path: String
    fileprivate(set) var children: [XMLTree] = []
    fileprivate(set) var text = ""

    init(name: String, attributes: [String: String], path: String) {
        (self.name, self.attributes, self.path) = (name, attributes, path)
    }

    func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    /// Parses `data` without resolving external entities.
    static func parse(_ data: Data) throws(InterchangeError) -> XMLTree {
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw .unsupported(path: builder.stack.last?.path ?? "PMML", detail: "not well-formed XML (line \(parser.lineNumber))")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTree?
        var stack: [XMLTree] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let parent = stack.last
            let index = (parent?.children.filter { $0.name == name }.count ?? 0) + 1
            let path = parent.map { "\($0.path)/\(name)" + (index > 1 ? "[\(index)]" : "") } ?? name
            let element = XMLTree(name: name, attributes: attributes, path: path)
            parent?.children.append(element)
            if root == nil { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}
