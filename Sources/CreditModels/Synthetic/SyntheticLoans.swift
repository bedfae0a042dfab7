import RealModule

/// A seeded generator of loan applications with a known logistic model, for tests and
/// benchmarks that need large data which is never committed.
///
/// Features `x1…xK` are correlated Gaussians (`xⱼ = μⱼ + σⱼ(zⱼ + 0.3 zⱼ₋₁)`) rounded to 6
/// decimals, so their shortest decimal text parses back to the same `Double`. Outcomes are
/// Bernoulli(σ(β₀ + Σ βⱼ xⱼ)) with coefficients drawn once from the seed. The same seed gives the
/// same rows on every machine: the generator uses SplitMix64 and only `log`, `cos` and `sqrt`
/// (Box-Muller).
public struct SyntheticLoans: Sendable {
    /// Number of numeric features.
    public let featureCount: Int
    /// The true intercept.
    public let trueIntercept: Double
    /// The true coefficients, `trueCoefficients[j]` for feature `x(j+1)`.
    public let trueCoefficients: [Double]
    private let means: [Double]
    private let scales: [Double]

    /// The mean of each feature (`μⱼ`; the 0.3-lag mixing keeps it).
    public var featureMeans: [Double] { means }
    private var random: SplitMix64
    private var previous: Double = 0

    /// A generator of rows with `featureCount` features, deterministic in `seed`.
    public init(featureCount: Int, seed: UInt64) {
        precondition(featureCount > 0, "at least one feature is needed")
        var random = SplitMix64(seed: seed)
        var means: [Double] = []
        var scales: [Double] = []
        var coefficients: [Double] = []
        for _ in 0..<featureCount {
            let scale = 0.5 + 4.5 * random.nextUnit()
            means.append((random.nextUnit() - 0.5) * 20)
            scales.append(scale)
            // Standardized effects in ±0.6, so η has a realistic spread and no separation.
            coefficients.append((random.nextUnit() - 0.5) * 1.2 / scale / Double(featureCount).squareRoot() * 3)
        }
        self.featureCount = featureCount
        self.means = means
        self.scales = scales
        self.trueCoefficients = coefficients
        self.trueIntercept = -2.0 - zip(coefficients, means).reduce(0) { $0 + $1.0 * $1.1 }
        self.random = random
    }

    /// The next row: its features and whether it defaulted.
    public mutating func next() -> (features: [Double], event: Bool) {
        var features: [Double] = []
        features.reserveCapacity(featureCount)
        var eta = trueIntercept
        for j in 0..<featureCount {
            let z = random.nextGaussian()
            let mixed = z + 0.3 * previous
            previous = z
            let value = ((means[j] + scales[j] * mixed) * 1e6).rounded() / 1e6
            features.append(value)
            eta += trueCoefficients[j] * value
        }
        let event = random.nextUnit() < LogisticFunctions.sigmoid(eta)
        return (features, event)
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA
/// 2014): a tiny, well-mixed 64-bit generator whose output is identical on every platform.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal by Box-Muller (one of the pair; simple and exactly reproducible).
    mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}
