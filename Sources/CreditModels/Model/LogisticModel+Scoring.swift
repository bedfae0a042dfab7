public import CreditCore
import RealModule

/// A value the model could not score, and the feature (by index in ``LogisticModel/features``)
/// that caused it. The caller adds the record's location.
public struct ScoringFailure: Error, Sendable, Equatable {
    /// Index of the feature in ``LogisticModel/features``.
    public var featureIndex: Int
    /// What was wrong with its value.
    public var reason: RecordError.Reason

    /// Creates a failure of feature `featureIndex`.
    public init(featureIndex: Int, reason: RecordError.Reason) {
        self.featureIndex = featureIndex
        self.reason = reason
    }
}

/// A feature value after the missing/unknown policies: a number, or a level's position.
enum ResolvedValue {
    case number(Double)
    case level(Int)
}

extension LogisticModel {
    /// Applies feature `index`'s missing and unknown-category policies to `value`.
    ///
    /// A number given for a categorical feature (as typed JSON sources send codes) is matched
    /// against the labels in its shortest text form (`4`, not `4.0`).
    func resolve(feature index: Int, _ value: FeatureValue) throws(ScoringFailure) -> ResolvedValue {
        switch features[index].encoding {
        case .numeric(_, let missing):
            switch value {
            case .number(let number):
                guard number.isFinite else { throw ScoringFailure(featureIndex: index, reason: .notFinite) }
                return .number(number)
            case .missing:
                guard case .impute(let imputed) = missing else { throw ScoringFailure(featureIndex: index, reason: .missingValue) }
                return .number(imputed)
            case .category:
                throw ScoringFailure(featureIndex: index, reason: .notANumber)
            }
        case .categorical(_, _, let missing, let unknown):
            let label: String
            switch value {
            case .category(let text):
                label = text
            case .number(let number):
                label = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
            case .missing:
                guard case .level(let level) = missing else { throw ScoringFailure(featureIndex: index, reason: .missingValue) }
                label = level
            }
            if let position = levelIndex[index][label] { return .level(position) }
            guard case .level(let fallback) = unknown, let position = levelIndex[index][fallback] else {
                throw ScoringFailure(featureIndex: index, reason: .unknownCategory)
            }
            return .level(position)
        case .binned(let binning, _, let unseenAsMissing):
            return .level(try Self.bin(of: value, in: binning, unseenAsMissing: unseenAsMissing, feature: index))
        }
    }

    /// The bin of `value` in `binning`, after the unseen-category policy.
    static func bin(of value: FeatureValue, in binning: FeatureBinning, unseenAsMissing: Bool, feature index: Int) throws(ScoringFailure) -> Int {
        if case .number(let number) = value, !number.isFinite { throw ScoringFailure(featureIndex: index, reason: .notFinite) }
        if let bin = binning.binIndex(for: value) { return bin }
        switch value {
        case .category where binning.isNumeric:
            throw ScoringFailure(featureIndex: index, reason: .notANumber)
        case .number where !binning.isNumeric:
            let number = if case .number(let n) = value { n } else { 0.0 }
            let label = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
            return try bin(of: .category(label), in: binning, unseenAsMissing: unseenAsMissing, feature: index)
        case .category where unseenAsMissing:
            if let missing = binning.missingBinIndex { return missing }
        default:
            break
        }
        throw ScoringFailure(featureIndex: index, reason: .unknownCategory)
    }

    /// The contribution `βⱼ·xⱼ` of feature `index` for `value`, after the missing/unknown policies.
    ///
    /// - Throws: ``ScoringFailure`` when the policies reject the value, or the value's kind does not
    ///   match the feature (a category for a numeric feature is `notANumber`).
    public func contribution(ofFeature index: Int, value: FeatureValue) throws(ScoringFailure) -> Double {
        switch (features[index].encoding, try resolve(feature: index, value)) {
        case (.numeric(let coefficient, _), .number(let number)):
            return coefficient * number
        case (.categorical(_, let levels, _, _), .level(let position)):
            return levels[position].coefficient
        case (.binned(_, let contributions, _), .level(let position)):
            return contributions[position]
        default:
            preconditionFailure("resolve(feature:_:) returns the kind of its feature")
        }
    }

    /// The linear predictor `η = intercept + Σⱼ βⱼ·xⱼ` for one record, features in model order.
    ///
    /// Deterministic: the sum runs in feature order with no fused or reordered operations, so
    /// the same record always gives the bit-identical `η` (the audit trail relies on this).
    /// - Throws: ``ScoringFailure`` for the first feature whose value cannot be scored.
    public func linearPredictor(_ values: [FeatureValue]) throws(ScoringFailure) -> Double {
        precondition(values.count == features.count, "one value per model feature is required")
        // 0 + intercept, as the batch path starts: the same bits whatever the intercept's sign of zero.
        var eta = 0.0 + intercept
        for index in features.indices {
            eta += try contribution(ofFeature: index, value: values[index])
        }
        return eta
    }

    /// `σ(η)`, the probability of default at linear predictor `η`, computed without overflow.
    public static func probability(linearPredictor eta: Double) -> Double {
        LogisticFunctions.sigmoid(eta)
    }

    /// `ln(p / (1 - p))`, the linear predictor of a probability, with `p` kept within
    /// [1e-12, 1 − 1e-12] so the result is finite.
    public static func linearPredictor(probability p: Double) -> Double {
        let q = Swift.min(Swift.max(p, 1e-12), 1 - 1e-12)
        return Double.log(onePlus: -q) * -1 + Double.log(q)
    }
}
