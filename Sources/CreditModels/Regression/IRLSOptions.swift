public import CreditCore

/// Options of the IRLS (Newton) logistic-regression fit, with documented defaults.
public struct IRLSOptions: Sendable, Equatable, Codable {
    /// Maximum Newton steps. Default 100.
    public var maxIterations = 100
    /// Convergence tolerance on the Newton decrement per unit of weight, `gᵀH⁻¹g / Σw`: twice the
    /// expected gain in mean log-likelihood from one more step. Unlike a gradient test it does not
    /// depend on the units of the features (rupiah or millions of rupiah). Default 1e-12. The
    /// step is taken after the test passes, so estimates are accurate to about its square.
    public var tolerance = 1e-12
    /// L2 penalty `λ` on the coefficients (never the intercept): the fit maximizes
    /// `logLikelihood - λ/2 · Σ βⱼ²`. Default 0, the plain maximum-likelihood fit of statsmodels.
    public var l2Penalty = 0.0
    /// A Hessian whose reciprocal condition number (1-norm, LAPACK `dpocon`) falls below this is
    /// reported as ill-conditioned. Default 1e-13.
    public var minReciprocalCondition = 1e-13

    /// Default options.
    public init() {}

    /// Checks every option against its documented range.
    /// - Throws: ``ConfigurationError`` naming the first invalid option.
    public func validate() throws(ConfigurationError) {
        if maxIterations < 1 {
            throw ConfigurationError(name: "maxIterations", value: "\(maxIterations)", requirement: "must be at least 1")
        }
        if !(tolerance.isFinite && tolerance > 0) {
            throw ConfigurationError(name: "tolerance", value: "\(tolerance)", requirement: "must be a finite number > 0")
        }
        if !(l2Penalty.isFinite && l2Penalty >= 0) {
            throw ConfigurationError(name: "l2Penalty", value: "\(l2Penalty)", requirement: "must be a finite number >= 0")
        }
        if !(minReciprocalCondition.isFinite && minReciprocalCondition >= 0 && minReciprocalCondition < 1) {
            throw ConfigurationError(
                name: "minReciprocalCondition", value: "\(minReciprocalCondition)", requirement: "must be in [0, 1)")
        }
    }
}
