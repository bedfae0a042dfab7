/// How a fit ended. Non-convergence is a status to act on, not a crash.
public struct FitReport: Sendable, Equatable, Codable {
    /// The outcome of the iterations.
    public enum Status: Sendable, Equatable, Codable, CustomStringConvertible {
        /// The gradient test passed; the estimates are the maximum-likelihood estimates.
        case converged
        /// `maxIterations` steps were taken without passing the gradient test.
        case iterationLimit
        /// Some observations are predicted with probability numerically 0 or 1 (|η| > 33.7, as R's
        /// `glm` warns): the data are (quasi-)separated and the estimates diverge. `feature` names
        /// the term that dominates the linear predictor, when one can be named.
        case separation(feature: String?)
        /// The Hessian is singular or its reciprocal condition number is below the threshold:
        /// collinear or near-collinear features.
        case illConditioned(reciprocalCondition: Double)

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
            case .illConditioned(let rcond):
                return "ill-conditioned Hessian (reciprocal condition \(rcond)): features are collinear; "
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
    /// Reciprocal condition number of the final Hessian (1-norm estimate), 0 when it was singular.
    public var reciprocalCondition: Double

    /// Creates a report.
    public init(status: Status, iterations: Int, logLikelihood: Double, gradientMaxNorm: Double, reciprocalCondition: Double) {
        self.status = status
        self.iterations = iterations
        self.logLikelihood = logLikelihood
        self.gradientMaxNorm = gradientMaxNorm
        self.reciprocalCondition = reciprocalCondition
    }
}
