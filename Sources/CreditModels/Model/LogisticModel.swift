import CreditCore

/// A fitted logistic-regression model: `PD = σ(intercept + Σ contributions)`.
///
/// An immutable value, decoded from a model file or produced by ``LogisticRegression/fit(_:)``.
/// Build one from untrusted input only through ``init(intercept:features:)``, which validates it.
public struct LogisticModel: Sendable, Equatable, Codable {
    /// The constant term of the linear predictor.
    public let intercept: Double
    /// The features, in the order the model file lists them.
    public let features: [ModelFeature]

    /// Per categorical feature, the level label → index table (empty for numeric features).
    let levelIndex: [[String: Int]]

    /// Creates a model after checking it is internally consistent.
    ///
    /// - Throws: ``ModelValidationError`` naming the first inconsistency by its path
    ///   (`features[2].levels[1].coefficient`).
    public init(intercept: Double, features: [ModelFeature]) throws(ModelValidationError) {
        guard intercept.isFinite else { throw ModelValidationError(path: "intercept", problem: "must be a finite number") }
        guard !features.isEmpty else { throw ModelValidationError(path: "features", problem: "must list at least one feature") }
        var seen = Set<String>()
        var tables: [[String: Int]] = []
        for (index, feature) in features.enumerated() {
            let path = "features[\(index)]"
            guard !feature.name.isEmpty else { throw ModelValidationError(path: "\(path).name", problem: "must not be empty") }
            guard seen.insert(feature.name).inserted else {
                throw ModelValidationError(path: "\(path).name", problem: "duplicate feature name '\(feature.name)'")
            }
            tables.append(try Self.validate(feature.encoding, at: path))
        }
        self.intercept = intercept
        self.features = features
        self.levelIndex = tables
    }

    private static func validate(_ encoding: ModelFeature.Encoding, at path: String) throws(ModelValidationError) -> [String: Int] {
        switch encoding {
        case .numeric(let coefficient, let missing):
            guard coefficient.isFinite else {
                throw ModelValidationError(path: "\(path).coefficient", problem: "must be a finite number")
            }
            if case .impute(let value) = missing, !value.isFinite {
                throw ModelValidationError(path: "\(path).missing.value", problem: "must be a finite number")
            }
            return [:]
        case .categorical(let reference, let levels, let missing, let unknown):
            guard !levels.isEmpty else { throw ModelValidationError(path: "\(path).levels", problem: "must list at least one level") }
            var table: [String: Int] = [:]
            for (levelIndex, level) in levels.enumerated() {
                guard level.coefficient.isFinite else {
                    throw ModelValidationError(path: "\(path).levels[\(levelIndex)].coefficient", problem: "must be a finite number")
                }
                guard table.updateValue(levelIndex, forKey: level.value) == nil else {
                    throw ModelValidationError(path: "\(path).levels[\(levelIndex)].value", problem: "duplicate level '\(level.value)'")
                }
            }
            guard let referenceIndex = table[reference] else {
                throw ModelValidationError(path: "\(path).reference", problem: "is not one of the levels")
            }
            guard levels[referenceIndex].coefficient == 0 else {
                throw ModelValidationError(path: "\(path).levels[\(referenceIndex)].coefficient", problem: "the reference level's coefficient must be 0")
            }
            for (policy, key) in [(missing, "missing"), (unknown, "unknown")] {
                if case .level(let level) = policy, table[level] == nil {
                    throw ModelValidationError(path: "\(path).\(key).level", problem: "is not one of the levels")
                }
            }
            return table
        case .binned(let binning, let contributions, _):
            guard contributions.count == binning.bins.count else {
                throw ModelValidationError(path: "\(path).contributions", problem: "must have one value per bin (\(binning.bins.count))")
            }
            if let index = contributions.firstIndex(where: { !$0.isFinite }) {
                throw ModelValidationError(path: "\(path).contributions[\(index)]", problem: "must be a finite number")
            }
            guard binning.bins.filter({ $0.values == .missing }).count == 1 else {
                throw ModelValidationError(path: "\(path).binning.bins", problem: "must have exactly one missing bin")
            }
            return [:]
        }
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey { case intercept, features }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            intercept: try container.decode(Double.self, forKey: .intercept),
            features: try container.decode([ModelFeature].self, forKey: .features)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(intercept, forKey: .intercept)
        try container.encode(features, forKey: .features)
    }

    public static func == (lhs: LogisticModel, rhs: LogisticModel) -> Bool {
        lhs.intercept == rhs.intercept && lhs.features == rhs.features
    }
}

/// A model that is not internally consistent, with the path of the offending value.
public struct ModelValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Path of the value inside the model (`features[2].coefficient`).
    public var path: String
    /// What is wrong with it.
    public var problem: String

    /// Creates an error at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
