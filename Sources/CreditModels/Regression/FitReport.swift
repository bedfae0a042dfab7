/// How a fit ended. Non-convergence is a status to act on, not a crash.
public struct FitReport: Sendable, Equatable, Codable {
    /// The outcome of the iterations.
    public enum Status: Sendable, Equatable, Codable, CustomStringConvertible {
        /// The gradient test passed; the estimates are the maximum-likelihood estimates.
        case converged
        /// `maxIterations` steps were taken without passing the gradient test.
        case iterationLimit
        /// The data are (quasi-)separated and the likelihood has no finite maximum: a categorical
        /// level has only one outcome, or the iterations stopped (or kept moving) with rows
        /// predicted at probability numerically 0 or 1 (|η| > 33.7). `feature` names the level
        /// (`feature=level`) or the term that dominates the linear predictor, when one can be named.
        case separation(feature: String?)
        /// The Jacobi-scaled Hessian (unit diagonal, so the verdict does not depend on the features'
        /// units) is singular or its reciprocal condition number is below the threshold:
        /// collinear features. `terms` names the design columns of the first dependency found.
        case illConditioned(reciprocalCondition: Double, terms: [String])

        public var description: String {
            switch self {
            case .converged:
                return "converged"
            case .iterationLimit:
                return "did not converge within the iteration limit; raise maxIterations or add an L2 penalty"
            case .separation(let feature):
                let term = feature.map { " (dominated by '\($0)')" } ?? ""
                return "perfect or quasi-complete separation\(term): some rows are predicted with probability 0 or 1; "
                    + "remove or bin the separating feature, or add an L2 penalty"
            case .illConditioned(let rcond, let terms):
                let named = terms.isEmpty ? "" : " (" + terms.map { "'\($0)'" }.joined(separator: ", ") + ")"
                return "ill-conditioned Hessian (reciprocal condition \(rcond)): features are collinear\(named); "
                    + "remove redundant features or add an L2 penalty"
            }
        }
    }

    /// How the fit ended.
    public var status: Status
    /// Newton steps taken.
    public var iterations: Int
    /// Log-likelihood at the estimates (weighted when weights were given; no penalty term).
    public var logLikelihood: Double
    /// Largest absolute component of the mean log-likelihood gradient at the last test.
    public var gradientMaxNorm: Double
    /// Reciprocal condition number of the final Jacobi-scaled Hessian (1-norm estimate), 0 when it
    /// was singular.
    public var reciprocalCondition: Double
    /// Rows predicted with probability numerically 0 or 1 on their own side (|η| > 33.7) at the
    /// estimates. On a converged fit this is a warning (R's "fitted probabilities numerically 0 or
    /// 1 occurred"), typically outliers; 0 in files written before it was recorded.
    public var saturatedObservations: Int

    /// Creates a report.
    public init(
        status: Status, iterations: Int, logLikelihood: Double, gradientMaxNorm: Double, reciprocalCondition: Double,
        saturatedObservations: Int = 0
    ) {
        self.status = status
        self.iterations = iterations
        self.logLikelihood = logLikelihood
        self.gradientMaxNorm = gradientMaxNorm
        self.reciprocalCondition = reciprocalCondition
        self.saturatedObservations = saturatedObservations
    }

    private enum CodingKeys: String, CodingKey {
        case status, iterations, logLikelihood, gradientMaxNorm, reciprocalCondition, saturatedObservations
    }

    /// Decodes a report; `saturatedObservations` is 0 when absent (older model files).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(Status.self, forKey: .status)
        iterations = try container.decode(Int.self, forKey: .iterations)
        logLikelihood = try container.decode(Double.self, forKey: .logLikelihood)
        gradientMaxNorm = try container.decode(Double.self, forKey: .gradientMaxNorm)
        reciprocalCondition = try container.decode(Double.self, forKey: .reciprocalCondition)
        saturatedObservations = try container.decodeIfPresent(Int.self, forKey: .saturatedObservations) ?? 0
    }

    /// Encodes a report; `saturatedObservations` only when non-zero, so the sealed digest of a
    /// model file written before the field existed does not change.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(logLikelihood, forKey: .logLikelihood)
        try container.encode(gradientMaxNorm, forKey: .gradientMaxNorm)
        try container.encode(reciprocalCondition, forKey: .reciprocalCondition)
        if saturatedObservations > 0 { try container.encode(saturatedObservations, forKey: .saturatedObservations) }
    }
}
