/// A seeded generator of loan applications with numeric and categorical features, empty cells,
/// and a known true model, for scoring benchmarks on data that is never committed.
///
/// Numeric features come from ``SyntheticLoans``; categorical feature `cK` takes levels
/// `L0…L4` with fixed probabilities. Each cell is empty with probability `missingRate`
/// (independently). The true model scores an empty numeric cell as its feature's mean and an
/// empty categorical cell as `L0`, the reference level; outcomes are drawn from it.
public struct SyntheticApplications: Sendable {
    /// One generated row.
    public struct Row: Sendable {
        /// Numeric cells, `nil` when empty.
        public var numbers: [Double?]
        /// Categorical cells, `nil` when empty.
        public var categories: [String?]
        /// Whether the application defaulted.
        public var event: Bool
    }

    /// The levels of every categorical feature, reference first.
    public static let levels = ["L0", "L1", "L2", "L3", "L4"]
    private static let levelShares = [0.35, 0.25, 0.2, 0.12, 0.08]

    private var numeric: SyntheticLoans
    private var random: SplitMix64
    private let categoricalCount: Int
    private let missingRate: Double
    private let levelEffects: [[Double]]
    /// The generating model, with the missing-value policies described above.
    public let trueModel: LogisticModel

    /// A generator; the same arguments give the same rows on every machine.
    public init(numericCount: Int, categoricalCount: Int, missingRate: Double, seed: UInt64) {
        precondition(numericCount > 0 && categoricalCount >= 0, "at least one numeric feature")
        precondition(missingRate >= 0 && missingRate < 1, "missing rate must be in [0, 1)")
        numeric = SyntheticLoans(featureCount: numericCount, seed: seed)
        var random = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        let effects = (0..<categoricalCount).map { _ in
            [0.0] + (1..<Self.levels.count).map { _ in ((random.nextUnit() - 0.5) * 1.6 * 1e6).rounded() / 1e6 }
        }
        self.random = random
        self.categoricalCount = categoricalCount
        self.missingRate = missingRate
        self.levelEffects = effects
        var features = zip(numeric.trueCoefficients, numeric.featureMeans).enumerated().map { index, pair in
            ModelFeature(name: "x\(index + 1)", encoding: .numeric(coefficient: pair.0, missing: .impute(pair.1)))
        }
        for (index, effect) in effects.enumerated() {
            features.append(ModelFeature(name: "c\(index + 1)", encoding: .categorical(
                reference: Self.levels[0],
                levels: zip(Self.levels, effect).map { ModelFeature.Level(value: $0, coefficient: $1) },
                missing: .level(Self.levels[0]), unknown: .reject)))
        }
        do {
            trueModel = try LogisticModel(intercept: numeric.trueIntercept, features: features)
        } catch {
            preconditionFailure("generated model is inconsistent: \(error)")
        }
    }

    /// The next row.
    public mutating func next() -> Row {
        let (values, _) = numeric.next()
        var eta = trueModel.intercept
        var numbers: [Double?] = []
        numbers.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard case .numeric(let coefficient, .impute(let mean)) = trueModel.features[index].encoding else { continue }
            let empty = random.nextUnit() < missingRate
            numbers.append(empty ? nil : value)
            eta += coefficient * (empty ? mean : value)
        }
        var categories: [String?] = []
        for feature in 0..<categoricalCount {
            let draw = random.nextUnit()
            var cumulative = 0.0
            var level = Self.levels.count - 1
            for (position, share) in Self.levelShares.enumerated() {
                cumulative += share
                if draw < cumulative {
                    level = position
                    break
                }
            }
            let empty = random.nextUnit() < missingRate
            categories.append(empty ? nil : Self.levels[level])
            eta += levelEffects[feature][empty ? 0 : level]
        }
        return Row(numbers: numbers, categories: categories, event: random.nextUnit() < LogisticFunctions.sigmoid(eta))
    }
}
