public import CreditCore
import RealModule

/// Points-to-double-odds scaling of a probability of default onto a score.
///
/// `score = baseScore + pointsToDoubleOdds / ln 2 · (ln(good:bad odds) − ln(baseOdds))`, where the
/// good:bad odds at linear predictor η are `e^(−η)`. So `baseOdds` good:bad scores `baseScore`,
/// and every doubling of the odds adds `pointsToDoubleOdds`. Higher scores mean lower risk.
public struct ScoreScaling: Sendable, Equatable, Codable {
    /// The score given at `baseOdds`. Default 600.
    public var baseScore: Double
    /// Good:bad odds that score `baseScore`. Default 50 (50:1).
    public var baseOdds: Double
    /// Points added when the good:bad odds double. Default 20.
    public var pointsToDoubleOdds: Double

    /// A scaling, validated.
    /// - Throws: ``ConfigurationError`` unless every value is finite and `baseOdds`,
    ///   `pointsToDoubleOdds` are positive.
    public init(baseScore: Double = 600, baseOdds: Double = 50, pointsToDoubleOdds: Double = 20) throws(ConfigurationError) {
        guard baseScore.isFinite else {
            throw ConfigurationError(name: "baseScore", value: "\(baseScore)", requirement: "must be a finite number")
        }
        guard baseOdds.isFinite, baseOdds > 0 else {
            throw ConfigurationError(name: "baseOdds", value: "\(baseOdds)", requirement: "must be a finite number > 0")
        }
        guard pointsToDoubleOdds.isFinite, pointsToDoubleOdds > 0 else {
            throw ConfigurationError(
                name: "pointsToDoubleOdds", value: "\(pointsToDoubleOdds)", requirement: "must be a finite number > 0")
        }
        self.baseScore = baseScore
        self.baseOdds = baseOdds
        self.pointsToDoubleOdds = pointsToDoubleOdds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            baseScore: try container.decode(Double.self, forKey: .baseScore),
            baseOdds: try container.decode(Double.self, forKey: .baseOdds),
            pointsToDoubleOdds: try container.decode(Double.self, forKey: .pointsToDoubleOdds)
        )
    }

    /// Points per unit of log-odds, `pointsToDoubleOdds / ln 2`.
    public var factor: Double { pointsToDoubleOdds / Double.log(2) }

    /// `baseScore − factor · ln(baseOdds)`: the score at `η = 0`, so `score = offset − factor · η`.
    public var offset: Double { baseScore - factor * Double.log(baseOdds) }

    /// The score at linear predictor `η` (log-odds of default). Deterministic.
    public func score(linearPredictor eta: Double) -> Double {
        baseScore + factor * (-eta - Double.log(baseOdds))
    }

    /// The linear predictor at `score`, the inverse of ``score(linearPredictor:)``.
    public func linearPredictor(score: Double) -> Double {
        (offset - score) / factor
    }
}
