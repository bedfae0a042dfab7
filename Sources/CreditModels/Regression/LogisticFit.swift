/// One estimated coefficient with its standard error and Wald test.
public struct CoefficientEstimate: Sendable, Equatable, Codable {
    /// The term: `(intercept)`, a numeric feature's name, or `feature=level` for a one-hot level.
    public var term: String
    /// The estimate.
    public var estimate: Double
    /// Standard error from the inverse Hessian of the (penalized) log-likelihood at the estimate;
    /// `nil` when the Hessian is singular.
    public var standardError: Double?
    /// Wald statistic `estimate / standardError`.
    public var zValue: Double? { standardError.map { estimate / $0 } }
    /// Two-sided p-value of the Wald test, `2·Φ(−|z|)`.
    public var pValue: Double?

    /// Creates an estimate.
    public init(term: String, estimate: Double, standardError: Double?, pValue: Double?) {
        self.term = term
        self.estimate = estimate
        self.standardError = standardError
        self.pValue = pValue
    }
}

/// The result of ``LogisticRegression/fit(_:)``: the model, how the fit ended and its statistics.
public struct LogisticFit: Sendable {
    /// The fitted model, ready to score.
    public let model: LogisticModel
    /// How the iterations ended. Anything but `.converged` means the estimates are unreliable.
    public let report: FitReport
    /// Intercept first, then one entry per design column (numeric features and non-reference levels).
    public let coefficients: [CoefficientEstimate]
    /// Linear predictors of the training observations at the estimates.
    public let trainingLinearPredictors: [Double]
}
