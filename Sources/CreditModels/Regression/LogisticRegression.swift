public import CreditCore

/// Logistic regression by iteratively reweighted least squares (Newton's method with a Cholesky
/// solve), with an optional L2 penalty and frequency weights.
///
/// ```swift
/// let regression = try LogisticRegression(options: IRLSOptions())
/// let fit = try regression.fit(data)
/// guard fit.report.status == .converged else { … }
/// let pd = LogisticModel.probability(linearPredictor: try fit.model.linearPredictor(values))
/// ```
///
/// Categorical features are one-hot encoded against their first level in UTF-8 byte order (the
/// reference level, as patsy's treatment coding and `pandas.get_dummies(drop_first=True)` do).
/// Memory: the design takes `rows × columns × 8` bytes, checked against
/// ``maxDesignBytes`` before any allocation.
public struct LogisticRegression: Sendable {
    /// The validated options.
    public let options: IRLSOptions
    /// The largest design matrix, in bytes, a fit may allocate. Default 16 GiB.
    public let maxDesignBytes: Int

    /// An estimator with validated options.
    /// - Throws: ``ConfigurationError`` naming the first invalid option.
    public init(options: IRLSOptions = IRLSOptions(), maxDesignBytes: Int = 16 << 30) throws(ConfigurationError) {
        try options.validate()
        guard maxDesignBytes > 0 else {
            throw ConfigurationError(name: "maxDesignBytes", value: "\(maxDesignBytes)", requirement: "must be positive")
        }
        self.options = options
        self.maxDesignBytes = maxDesignBytes
    }

    /// Fits the model.
    ///
    /// Fitting is not bit-reproducible across machines (BLAS sums in parallel blocks); estimates
    /// agree to about 1e-12 relative. Separation and collinearity end the fit with a non-converged
    /// ``FitReport/status`` and the last estimates; they do not throw.
    /// - Throws: ``FitError`` for data that cannot be fitted at all (no rows, one class, NaN,
    ///   constant feature, mismatched lengths, design too large).
    public func fit(_ data: TrainingData) throws(FitError) -> LogisticFit {
        let design = try Design(data, maxBytes: maxDesignBytes)
        var solver = IRLSSolver(design: design, events: data.events, weights: data.weights, options: options)
        return solver.run()
    }
}
