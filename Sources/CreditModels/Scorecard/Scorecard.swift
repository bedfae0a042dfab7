public import CreditCore
import RealModule

/// A reason a score is low: a stable code and texts in English and Bahasa Indonesia.
public struct ReasonCode: Sendable, Equatable, Codable {
    /// Stable machine-readable code (`DURATION_IN_MONTH`).
    public var code: String
    /// English text.
    public var english: String
    /// Bahasa Indonesia text.
    public var indonesian: String

    /// Creates a reason code.
    public init(code: String, english: String, indonesian: String) {
        self.code = code
        self.english = english
        self.indonesian = indonesian
    }

    /// The default reason for characteristic `name`: code from the name, generic texts.
    static func standard(for name: String) -> ReasonCode {
        let code = String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return ReasonCode(
            code: code,
            english: "The value of \(name) lowered the score",
            indonesian: "Nilai \(name) menurunkan skor")
    }
}

/// One scored characteristic: its bins, the logistic coefficient of its WoE, and integer points per bin.
public struct Characteristic: Sendable, Equatable, Codable {
    /// Bins and their statistics.
    public var binning: FeatureBinning
    /// Coefficient of the characteristic's WoE in the logistic regression.
    public var coefficient: Double
    /// Points of each bin, `round(−factor · coefficient · WoE)`, in `binning.bins` order.
    public var points: [Int]
    /// The reason reported when this characteristic costs points.
    public var reason: ReasonCode
    /// How an unseen category (categorical characteristics) is scored: as the missing bin, or rejected.
    public var unseenCategoryAsMissing: Bool

    /// The characteristic's name.
    public var name: String { binning.name }

    /// A characteristic as recorded.
    package init(binning: FeatureBinning, coefficient: Double, points: [Int], reason: ReasonCode, unseenCategoryAsMissing: Bool) {
        (self.binning, self.coefficient, self.points, self.reason, self.unseenCategoryAsMissing) = (binning, coefficient, points, reason, unseenCategoryAsMissing)
    }
    /// The most points any bin gives.
    public var maxPoints: Int { points.max() ?? 0 }
}

/// The result of scoring one application with a ``Scorecard``.
public struct ScorecardResult: Sendable, Equatable {
    /// Total points: base points plus the points of each characteristic's bin. Higher is safer.
    public let totalPoints: Int
    /// Points of each characteristic, in scorecard order.
    public let characteristicPoints: [Int]
    /// Probability of default implied by the total: `σ((offset − total) / factor)`.
    public let probabilityOfDefault: Double
    /// Up to the requested number of reasons: characteristics that lost points against their best
    /// bin, most points lost first (ties in scorecard order), none that lost nothing.
    public let reasons: [ReasonCode]
}

/// A points scorecard: binned characteristics, integer points per bin, base points, and the
/// scaling that turns points into a probability of default.
///
/// `score = basePoints + Σ points`, exactly (integers). Points come from the logistic model on WoE
/// with `η = intercept + Σ coefficientⱼ · WoEⱼ` and the scaling `score = offset − factor · η`
/// (``ScoreScaling``): `basePoints = round(offset − factor · intercept)`, bin points
/// `round(−factor · coefficient · WoE)`. Scoring is deterministic.
public struct Scorecard: Sendable, Equatable, Codable {
    /// Intercept of the logistic model on WoE.
    public var intercept: Double
    /// Points every application starts with.
    public var basePoints: Int
    /// The characteristics, in model order.
    public var characteristics: [Characteristic]
    /// The scaling of points.
    public var scaling: ScoreScaling

    /// A scorecard as recorded.
    package init(intercept: Double, basePoints: Int, characteristics: [Characteristic], scaling: ScoreScaling) {
        (self.intercept, self.basePoints, self.characteristics, self.scaling) = (intercept, basePoints, characteristics, scaling)
    }

    /// The probability of default at `total` points.
    public func probabilityOfDefault(totalPoints total: Int) -> Double {
        LogisticFunctions.sigmoid(scaling.linearPredictor(score: Double(total)))
    }

    /// The bin of characteristic `index` for `value`, after the unseen-category policy.
    /// - Throws: ``ScoringFailure`` for a value in no bin (an unseen category that is rejected,
    ///   a non-finite number, or a value of the wrong kind).
    public func binIndex(characteristic index: Int, value: FeatureValue) throws(ScoringFailure) -> Int {
        let characteristic = characteristics[index]
        return try LogisticModel.bin(
            of: value, in: characteristic.binning, unseenAsMissing: characteristic.unseenCategoryAsMissing, feature: index)
    }

    /// The same scorecard as a linear model over bins, for batch scoring: each bin contributes
    /// `−points / factor` to `η`, the intercept is `(offset − basePoints) / factor`, so
    /// `offset − factor · η` is the total points (up to rounding) and `σ(η)` the PD.
    /// - Throws: ``ModelValidationError`` when a characteristic's points do not match its bins.
    public func linearModel() throws(ModelValidationError) -> LogisticModel {
        let factor = scaling.factor
        let offset = scaling.offset
        for (index, characteristic) in characteristics.enumerated() where characteristic.points.count != characteristic.binning.bins.count {
            throw ModelValidationError(path: "characteristics[\(index)].points", problem: "must have one value per bin (\(characteristic.binning.bins.count))")
        }
        return try LogisticModel(
            intercept: (offset - Double(basePoints)) / factor,
            features: characteristics.map { characteristic in
                ModelFeature(name: characteristic.name, encoding: .binned(
                    characteristic.binning, contributions: characteristic.points.map { -Double($0) / factor },
                    unseenAsMissing: characteristic.unseenCategoryAsMissing))
            })
    }

    /// Scores an application whose bins are already known (one per characteristic, in order).
    public func score(bins: [Int], reasonLimit: Int = 4) -> ScorecardResult {
        var points: [Int] = []
        var lost: [(index: Int, points: Int)] = []
        for (index, characteristic) in characteristics.enumerated() {
            let earned = characteristic.points[bins[index]]
            points.append(earned)
            if characteristic.maxPoints > earned { lost.append((index, characteristic.maxPoints - earned)) }
        }
        let total = basePoints + points.reduce(0, +)
        lost.sort { $0.points != $1.points ? $0.points > $1.points : $0.index < $1.index }
        return ScorecardResult(
            totalPoints: total, characteristicPoints: points,
            probabilityOfDefault: probabilityOfDefault(totalPoints: total),
            reasons: lost.prefix(max(0, reasonLimit)).map { characteristics[$0.index].reason })
    }

    /// Scores one application; `values` are in characteristic order.
    /// - Parameter reasonLimit: the most reasons to return (default 4).
    /// - Throws: ``ScoringFailure`` for the first value that cannot be binned.
    public func score(_ values: [FeatureValue], reasonLimit: Int = 4) throws(ScoringFailure) -> ScorecardResult {
        precondition(values.count == characteristics.count, "one value per characteristic is required")
        var bins: [Int] = []
        for index in characteristics.indices { bins.append(try binIndex(characteristic: index, value: values[index])) }
        return score(bins: bins, reasonLimit: reasonLimit)
    }
}
