import RealModule

/// Numerically stable logistic functions, written once and used by fitting and scoring.
///
/// Formulas follow Mächler, "Accurately Computing log(1 − exp(−|a|))" (Rmpfr vignette, 2012),
/// section on `log1pexp`, with its thresholds for binary64.
enum LogisticFunctions {
    /// `log(1 + exp(x))` without overflow or loss of precision.
    @inline(__always)
    static func log1pExp(_ x: Double) -> Double {
        if x <= -37 { return Double.exp(x) }
        if x <= 18 { return Double.log(onePlus: Double.exp(x)) }
        if x <= 33.3 { return x + Double.exp(-x) }
        return x
    }

    /// `log(σ(x)) = -log(1 + exp(-x))`, the log-probability of an event at linear predictor `x`.
    @inline(__always)
    static func logSigmoid(_ x: Double) -> Double { -log1pExp(-x) }

    /// `σ(x) = 1 / (1 + exp(-x))`, evaluated so that neither branch overflows.
    @inline(__always)
    static func sigmoid(_ x: Double) -> Double {
        if x >= 0 {
            return 1 / (1 + Double.exp(-x))
        }
        let e = Double.exp(x)
        return e / (1 + e)
    }
}
