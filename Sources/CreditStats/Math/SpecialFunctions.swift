import RealModule

/// Special functions behind the statistical tests: regularized incomplete gamma and beta
/// functions, their inverses, and the normal quantile.
///
/// Formulas: the series and continued fractions of Press, Teukolsky, Vetterling & Flannery,
/// *Numerical Recipes*, 3rd ed. (2007), §6.2 (incomplete gamma: series for x < a + 1, Lentz's
/// continued fraction otherwise) and §6.4 (incomplete beta: continued fraction with the symmetry
/// `I_x(a, b) = 1 − I_{1−x}(b, a)` for x > (a + 1)/(a + b + 2)); inverses by bisection-safeguarded
/// Newton steps. Accuracy: about 1e-14 relative in the tested ranges (checked against scipy).
enum SpecialFunctions {
    /// Upper regularized incomplete gamma `Q(a, x) = Γ(a, x) / Γ(a)`, for `a > 0`, `x >= 0`.
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "Q(a, x) needs a > 0 and x >= 0")
        if x == 0 { return 1 }
        if x < a + 1 { return 1 - gammaSeries(a, x) }
        return gammaContinuedFraction(a, x)
    }

    /// `P(a, x)` by its series.
    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * Double.exp(-x + a * Double.log(x) - Double.logGamma(a))
    }

    /// `Q(a, x)` by its continued fraction (modified Lentz).
    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return Double.exp(-x + a * Double.log(x) - Double.logGamma(a)) * h
    }

    /// Regularized incomplete beta `I_x(a, b)`, for `a, b > 0` and `0 <= x <= 1`.
    static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        precondition(a > 0 && b > 0 && x >= 0 && x <= 1, "I_x(a, b) needs a, b > 0 and x in [0, 1]")
        if x == 0 || x == 1 { return x }
        let front = Double.exp(Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b)
            + a * Double.log(x) + b * Double.log(onePlus: -x))
        if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(x, a, b) / a }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b
    }

    /// The continued fraction of the incomplete beta function (modified Lentz).
    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// The `p` quantile of Beta(a, b): the `x` with `I_x(a, b) = p`.
    static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
        precondition(p >= 0 && p <= 1, "p must be in [0, 1]")
        if p == 0 || p == 1 { return p }
        var low = 0.0
        var high = 1.0
        var x = a / (a + b)
        let logBeta = Double.logGamma(a) + Double.logGamma(b) - Double.logGamma(a + b)
        for _ in 0..<200 {
            let f = regularizedBeta(x, a, b) - p
            if f < 0 { low = x } else { high = x }
            let density = Double.exp((a - 1) * Double.log(x) + (b - 1) * Double.log(onePlus: -x) - logBeta)
            var next = x - f / density
            if !(next > low && next < high) || !next.isFinite { next = (low + high) / 2 }
            if abs(next - x) <= 1e-16 * max(x, 1e-300) || high - low < 1e-300 { return next }
            x = next
        }
        return x
    }

    /// The `p` quantile of the standard normal distribution: P. J. Acklam's rational approximation
    /// (relative error below 1.2e-9), refined by one Halley step on `erfc`; the upper half by
    /// symmetry, so the refinement always works in the lower tail where `erfc` is accurate.
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "p must be in (0, 1)")
        if p > 0.5 { return -normalQuantile(1 - p) }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * Double.log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let error = 0.5 * Double.erfc(-x / 2.0.squareRoot()) - p
        let u = error * (2 * Double.pi).squareRoot() * Double.exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

extension SpecialFunctions {
    /// Two-sided normal p-value `2·Φ(−|z|) = erfc(|z|/√2)`.
    static func twoSidedNormalPValue(_ z: Double) -> Double {
        Double.erfc(abs(z) / 2.0.squareRoot())
    }
}
