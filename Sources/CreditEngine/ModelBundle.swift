public import FoundationEssentials
import CreditAudit

/// A validated model file, ready to score.
///
/// ```swift
/// let bundle = try ModelBundle(jsonData: bytes, source: "model.json")
/// let result = try bundle.score(["age_in_years": .number(35), "purpose": .category("car (new)"), …])
/// print(result.probabilityOfDefault, result.score)
/// ```
public struct ModelBundle: Sendable {
    /// The decoded document.
    public let file: ModelFile
    /// The model as a linear predictor over its features: the file's logistic model, or the
    /// scorecard compiled to bins (see ``CreditModels/Scorecard/linearModel()``).
    public let model: LogisticModel

    /// Decodes and validates a model file.
    ///
    /// Checks, in order: the bytes are JSON; `schemaVersion` is supported; every field has the
    /// right type; the model is consistent (finite coefficients, unique names, valid levels and
    /// policies); `modelId`, `modelVersion` and `kind` are well formed; `contentSHA256` matches.
    /// - Throws: ``ModelLoadError`` naming `source` and the JSON path of the first problem.
    public init(jsonData: Data, source: String) throws(ModelLoadError) {
        let decoder = JSONDecoder()
        let version: Int
        do {
            version = try decoder.decode(SchemaVersionProbe.self, from: jsonData).schemaVersion
        } catch let error as DecodingError {
            throw ModelLoadError(source: source, decoding: error)
        } catch {
            throw ModelLoadError(source: source, path: "", problem: "cannot be read: \(error)")
        }
        guard version == ModelFile.currentSchemaVersion else {
            throw ModelLoadError(
                source: source, path: "schemaVersion",
                problem: "unsupported schema version \(version); this engine reads version \(ModelFile.currentSchemaVersion)")
        }
        let file: ModelFile
        do {
            file = try decoder.decode(ModelFile.self, from: jsonData)
        } catch let error as DecodingError {
            throw ModelLoadError(source: source, decoding: error)
        } catch let error as ModelValidationError {
            throw ModelLoadError(source: source, path: "model.\(error.path)", problem: error.problem)
        } catch let error as ConfigurationError {
            throw ModelLoadError(source: source, path: "scaling.\(error.name)", problem: error.requirement)
        } catch {
            throw ModelLoadError(source: source, path: "", problem: "cannot be read: \(error)")
        }
        try Self.validateIdentity(file, source: source)
        self.model = try Self.linearModel(of: file, source: source)
        guard let recorded = file.contentSHA256 else {
            throw ModelLoadError(source: source, path: "contentSHA256", problem: "is missing")
        }
        let actual = try Self.digest(of: file, source: source)
        guard recorded == actual else {
            throw ModelLoadError(
                source: source, path: "contentSHA256",
                problem: "does not match the content (computed \(actual)); the file was edited after it was sealed")
        }
        self.file = file
    }

    /// Identifier, version and kind checks.
    private static func validateIdentity(_ file: ModelFile, source: String) throws(ModelLoadError) {
        let idCharacters = file.modelId.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
        }
        guard !file.modelId.isEmpty, idCharacters else {
            throw ModelLoadError(source: source, path: "modelId", problem: "must be lowercase letters, digits and hyphens")
        }
        let parts = file.modelVersion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt($0) != nil }) else {
            throw ModelLoadError(source: source, path: "modelVersion", problem: "must be a semantic version MAJOR.MINOR.PATCH")
        }
        guard file.kind == "logisticRegression" || file.kind == "scorecard" else {
            throw ModelLoadError(
                source: source, path: "kind", problem: "unknown model kind; schema version 1 has \"logisticRegression\" and \"scorecard\"")
        }
    }

    /// The file's model for its kind, checking that exactly the right one is present.
    private static func linearModel(of file: ModelFile, source: String) throws(ModelLoadError) -> LogisticModel {
        switch (file.kind, file.model, file.scorecard) {
        case ("logisticRegression", let model?, nil):
            return model
        case ("scorecard", nil, let scorecard?):
            guard scorecard.scaling == file.scaling else {
                throw ModelLoadError(source: source, path: "scorecard.scaling", problem: "must equal the file's scaling")
            }
            do {
                return try scorecard.linearModel()
            } catch {
                throw ModelLoadError(source: source, path: "scorecard.\(error.path)", problem: error.problem)
            }
        case ("logisticRegression", _, _):
            throw ModelLoadError(source: source, path: "model", problem: "a logisticRegression file needs \"model\" and no \"scorecard\"")
        default:
            throw ModelLoadError(source: source, path: "scorecard", problem: "a scorecard file needs \"scorecard\" and no \"model\"")
        }
    }

    private static func digest(of file: ModelFile, source: String) throws(ModelLoadError) -> String {
        var unsealed = file
        unsealed.contentSHA256 = nil
        do {
            return ContentDigest.sha256Hex(try ContentDigest.canonicalJSON(unsealed))
        } catch {
            throw ModelLoadError(source: source, path: "", problem: "cannot be encoded canonically: \(error)")
        }
    }

    /// `modelId@modelVersion`.
    public var reference: String { "\(file.modelId)@\(file.modelVersion)" }

    /// The verified SHA-256 of the document's content.
    public var contentSHA256: String { file.contentSHA256 ?? "" }

    /// Scores one record given as feature values by name (extra names are ignored).
    ///
    /// Deterministic: the same input gives the bit-identical result on every run.
    /// - Throws: ``ScoringFailure`` for the first feature whose value cannot be scored (a
    ///   feature absent from `input` counts as missing).
    public func score(_ input: [String: FeatureValue], reasonLimit: Int = 4) throws(ScoringFailure) -> ScoreResult {
        let values = model.features.map { input[$0.name] ?? .missing }
        if let scorecard = file.scorecard {
            let result = try scorecard.score(values, reasonLimit: reasonLimit)
            return ScoreResult(scorecard: result, scaling: file.scaling)
        }
        let eta = try model.linearPredictor(values)
        return ScoreResult(linearPredictor: eta, scaling: file.scaling)
    }

    /// Scores every recorded example and returns those whose outputs differ from the record by
    /// more than `tolerance` (absolute on PD, and on score), with a description of the difference.
    public func failingExamples(tolerance: Double = 1e-9) -> [(index: Int, problem: String)] {
        file.examples.enumerated().compactMap { index, example -> (index: Int, problem: String)? in
            do throws(ScoringFailure) {
                let result = try score(example.input)
                if abs(result.probabilityOfDefault - example.probabilityOfDefault) > tolerance
                    || abs(result.score - example.score) > tolerance
                {
                    return (index, "expected PD \(example.probabilityOfDefault) and score \(example.score), "
                        + "got \(result.probabilityOfDefault) and \(result.score)")
                }
                if let reasons = example.reasons, reasons != result.reasons.map(\.code) {
                    return (index, "expected reasons \(reasons), got \(result.reasons.map(\.code))")
                }
                return nil
            } catch {
                return (index, "cannot be scored: feature '\(model.features[error.featureIndex].name)': \(error.reason)")
            }
        }
    }
}

/// The outputs of scoring one record.
public struct ScoreResult: Sendable, Equatable {
    /// Log-odds of default, `η`.
    public let linearPredictor: Double
    /// Probability of default, `σ(η)`.
    public let probabilityOfDefault: Double
    /// Scaled score (higher is lower risk); for a scorecard, the integer total points.
    public let score: Double
    /// Reasons for a low score, most important first (scorecards; empty otherwise).
    public let reasons: [ReasonCode]

    init(linearPredictor eta: Double, scaling: ScoreScaling) {
        linearPredictor = eta
        probabilityOfDefault = LogisticModel.probability(linearPredictor: eta)
        score = scaling.score(linearPredictor: eta)
        reasons = []
    }

    init(scorecard result: ScorecardResult, scaling: ScoreScaling) {
        linearPredictor = scaling.linearPredictor(score: Double(result.totalPoints))
        probabilityOfDefault = result.probabilityOfDefault
        score = Double(result.totalPoints)
        reasons = result.reasons
    }
}

extension ModelFile {
    /// This document with `contentSHA256` set to the digest of its canonical content.
    /// - Throws: `EncodingError` when a number is not finite.
    public func sealed() throws -> ModelFile {
        var copy = self
        copy.contentSHA256 = nil
        copy.contentSHA256 = ContentDigest.sha256Hex(try ContentDigest.canonicalJSON(copy))
        return copy
    }

    /// Pretty-printed JSON with sorted keys, the form written to `models/`.
    public func prettyJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

private struct SchemaVersionProbe: Decodable {
    var schemaVersion: Int
}
