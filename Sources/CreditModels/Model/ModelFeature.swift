/// One input of a fitted model: its name, how it enters the linear predictor, and what to do
/// with missing or unseen values.
public struct ModelFeature: Sendable, Equatable, Codable {
    /// What to do with a missing numeric value.
    public enum NumericMissingPolicy: Sendable, Equatable {
        /// Reject the record (the default: training data had no missing values).
        case reject
        /// Use this value instead.
        case impute(Double)
    }

    /// What to do with a missing category, or with one the model never saw.
    public enum CategoryPolicy: Sendable, Equatable {
        /// Reject the record.
        case reject
        /// Score the record as if it had this level.
        case level(String)
    }

    /// One level of a categorical feature and its coefficient (0 for the reference level).
    public struct Level: Sendable, Equatable, Codable {
        /// The label as it appears in the input.
        public var value: String
        /// The level's contribution to the linear predictor.
        public var coefficient: Double

        /// Creates a level.
        public init(value: String, coefficient: Double) {
            self.value = value
            self.coefficient = coefficient
        }
    }

    /// How the feature enters the linear predictor.
    public enum Encoding: Sendable, Equatable {
        /// `coefficient * value`.
        case numeric(coefficient: Double, missing: NumericMissingPolicy)
        /// The coefficient of the observed level; `reference` is the level with coefficient 0.
        case categorical(reference: String, levels: [Level], missing: CategoryPolicy, unknown: CategoryPolicy)
        /// The contribution of the bin the value falls in (a scorecard characteristic). An unseen
        /// category goes to the missing bin when `unseenAsMissing`, and is rejected otherwise.
        case binned(FeatureBinning, contributions: [Double], unseenAsMissing: Bool)
    }

    /// The column or field name in the input.
    public var name: String

    /// `true` when the feature reads numbers: a numeric feature, or a scorecard characteristic
    /// binned on a numeric variable; `false` when it reads category labels.
    public var isNumeric: Bool {
        switch encoding {
        case .numeric: return true
        case .categorical: return false
        case .binned(let binning, _, _): return binning.isNumeric
        }
    }
    /// How the feature is scored.
    public var encoding: Encoding

    /// Creates a feature.
    public init(name: String, encoding: Encoding) {
        self.name = name
        self.encoding = encoding
    }

    // MARK: - Codable (flat JSON: {"name", "type", ...})

    private enum CodingKeys: String, CodingKey {
        case name, type, coefficient, missing, reference, levels, unknown, binning, contributions, unseenAsMissing
    }

    private enum PolicyKeys: String, CodingKey {
        case policy, value, level
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "numeric":
            let coefficient = try container.decode(Double.self, forKey: .coefficient)
            let policy = try container.nestedContainer(keyedBy: PolicyKeys.self, forKey: .missing)
            let missing: NumericMissingPolicy
            switch try policy.decode(String.self, forKey: .policy) {
            case "reject": missing = .reject
            case "impute": missing = .impute(try policy.decode(Double.self, forKey: .value))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .policy, in: policy, debugDescription: "expected \"reject\" or \"impute\"")
            }
            encoding = .numeric(coefficient: coefficient, missing: missing)
        case "categorical":
            encoding = .categorical(
                reference: try container.decode(String.self, forKey: .reference),
                levels: try container.decode([Level].self, forKey: .levels),
                missing: try Self.decodeCategoryPolicy(container, key: .missing),
                unknown: try Self.decodeCategoryPolicy(container, key: .unknown)
            )
        case "binned":
            encoding = .binned(
                try container.decode(FeatureBinning.self, forKey: .binning),
                contributions: try container.decode([Double].self, forKey: .contributions),
                unseenAsMissing: try container.decode(Bool.self, forKey: .unseenAsMissing))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "expected \"numeric\", \"categorical\" or \"binned\"")
        }
    }

    private static func decodeCategoryPolicy(
        _ container: KeyedDecodingContainer<CodingKeys>, key: CodingKeys
    ) throws -> CategoryPolicy {
        let policy = try container.nestedContainer(keyedBy: PolicyKeys.self, forKey: key)
        switch try policy.decode(String.self, forKey: .policy) {
        case "reject": return .reject
        case "level": return .level(try policy.decode(String.self, forKey: .level))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .policy, in: policy, debugDescription: "expected \"reject\" or \"level\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch encoding {
        case .numeric(let coefficient, let missing):
            try container.encode("numeric", forKey: .type)
            try container.encode(coefficient, forKey: .coefficient)
            var policy = container.nestedContainer(keyedBy: PolicyKeys.self, forKey: .missing)
            switch missing {
            case .reject:
                try policy.encode("reject", forKey: .policy)
            case .impute(let value):
                try policy.encode("impute", forKey: .policy)
                try policy.encode(value, forKey: .value)
            }
        case .categorical(let reference, let levels, let missing, let unknown):
            try container.encode("categorical", forKey: .type)
            try container.encode(reference, forKey: .reference)
            try container.encode(levels, forKey: .levels)
            try Self.encodeCategoryPolicy(missing, into: &container, key: .missing)
            try Self.encodeCategoryPolicy(unknown, into: &container, key: .unknown)
        case .binned(let binning, let contributions, let unseenAsMissing):
            try container.encode("binned", forKey: .type)
            try container.encode(binning, forKey: .binning)
            try container.encode(contributions, forKey: .contributions)
            try container.encode(unseenAsMissing, forKey: .unseenAsMissing)
        }
    }

    private static func encodeCategoryPolicy(
        _ value: CategoryPolicy, into container: inout KeyedEncodingContainer<CodingKeys>, key: CodingKeys
    ) throws {
        var policy = container.nestedContainer(keyedBy: PolicyKeys.self, forKey: key)
        switch value {
        case .reject:
            try policy.encode("reject", forKey: .policy)
        case .level(let level):
            try policy.encode("level", forKey: .policy)
            try policy.encode(level, forKey: .level)
        }
    }
}
