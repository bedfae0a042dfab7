public import CreditCore
import RealModule

/// Options of ``ScorecardBuilder``.
public struct ScorecardOptions: Sendable, Equatable, Codable {
    /// Binning constraints for every characteristic.
    public var binning = BinningOptions()
    /// Logistic-regression options.
    public var regression = IRLSOptions()
    /// Characteristics with a lower information value are left out. Default 0.02 ("weak").
    public var minInformationValue = 0.02
    /// Score unseen categories as the missing bin (`true`) or reject them. Default `true`.
    public var unseenCategoryAsMissing = true

    /// Default options.
    public init() {}
}

/// The result of building a scorecard: the scorecard, the regression report, and what was left out.
public struct ScorecardFit: Sendable {
    /// The scorecard.
    public let scorecard: Scorecard
    /// The logistic regression on WoE (coefficients named after characteristics).
    public let regression: LogisticFit
    /// Every feature's binning, selected or not, in input order.
    public let binnings: [FeatureBinning]
    /// Features left out and why (`IV 0.004 below 0.02`, `coefficient has the wrong sign`).
    public let excluded: [(feature: String, reason: String)]
    /// WoE-based linear predictors of the training rows (for training metrics).
    public let trainingLinearPredictors: [Double]
}

/// Builds a points scorecard: bins every feature (``WoEBinner``), keeps characteristics with
/// enough information value, fits a logistic regression on their WoE, drops characteristics whose
/// coefficient has the wrong sign (points would then run against their bins' risk) and refits,
/// then scales to integer points.
public struct ScorecardBuilder: Sendable {
    /// The validated options.
    public let options: ScorecardOptions
    private let binner: WoEBinner
    private let regression: LogisticRegression

    /// A builder with validated options.
    /// - Throws: ``ConfigurationError`` naming the first invalid option.
    public init(options: ScorecardOptions = ScorecardOptions()) throws(ConfigurationError) {
        guard options.minInformationValue.isFinite, options.minInformationValue >= 0 else {
            throw ConfigurationError(name: "minInformationValue", value: "\(options.minInformationValue)", requirement: "must be >= 0")
        }
        self.options = options
        self.binner = try WoEBinner(options: options.binning)
        self.regression = try LogisticRegression(options: options.regression)
    }

    /// Builds the scorecard from training data whose numeric columns mark missing values with NaN
    /// and categorical columns with the empty string.
    /// - Throws: ``BinningError``, ``FitError``, or ``ScorecardError`` when no characteristic is left.
    /// - Parameter spec: declared bins for some features (the others are binned optimally).
    public func fit(_ data: TrainingData, scaling: ScoreScaling, spec: BinningSpec? = nil) throws -> ScorecardFit {
        var excluded: [(String, String)] = []
        let binnings = try data.features.map { feature throws(BinningError) in try binner.fit(feature, events: data.events, spec: spec) }
        var selected: [Int] = []
        for (index, binning) in binnings.enumerated() {
            if binning.informationValue >= options.minInformationValue {
                selected.append(index)
            } else {
                excluded.append((binning.name, "IV \(binning.informationValue) below \(options.minInformationValue)"))
            }
        }
        // WoE of every row for every binned feature.
        let woe: [[Double]] = binnings.enumerated().map { index, binning in
            let values = data.features[index].values
            return (0..<data.count).map { row in
                let value: FeatureValue
                switch values {
                case .numeric(let numbers): value = numbers[row].isNaN ? .missing : .number(numbers[row])
                case .categorical(let labels): value = labels[row].isEmpty ? .missing : .category(labels[row])
                }
                return binning.bins[binning.binIndex(for: value) ?? binning.missingBinIndex ?? 0].weightOfEvidence
            }
        }
        while true {
            guard !selected.isEmpty else { throw ScorecardError.noCharacteristics(excluded.map { "\($0.0): \($0.1)" }) }
            let training = TrainingData(
                features: selected.map { TrainingData.Feature(name: binnings[$0].name, values: .numeric(woe[$0])) },
                events: data.events, weights: data.weights)
            let fit = try regression.fit(training)
            // WoE is positive for safer bins, so a characteristic's coefficient must be negative.
            let wrongSign = fit.coefficients.dropFirst().enumerated().filter { $0.element.estimate >= 0 }
            if let worst = wrongSign.max(by: { $0.element.estimate < $1.element.estimate }), fit.report.status == .converged {
                excluded.append((binnings[selected[worst.offset]].name, "coefficient \(worst.element.estimate) has the wrong sign"))
                selected.remove(at: worst.offset)
                continue
            }
            let factor = scaling.factor
            let offset = scaling.offset
            let characteristics = selected.enumerated().map { position, index in
                let coefficient = fit.coefficients[position + 1].estimate
                return Characteristic(
                    binning: binnings[index], coefficient: coefficient,
                    points: binnings[index].bins.map { Int((-factor * coefficient * $0.weightOfEvidence).rounded()) },
                    reason: .standard(for: binnings[index].name),
                    unseenCategoryAsMissing: options.unseenCategoryAsMissing)
            }
            let scorecard = Scorecard(
                intercept: fit.coefficients[0].estimate,
                basePoints: Int((offset - factor * fit.coefficients[0].estimate).rounded()),
                characteristics: characteristics, scaling: scaling)
            return ScorecardFit(
                scorecard: scorecard, regression: fit, binnings: binnings, excluded: excluded,
                trainingLinearPredictors: fit.trainingLinearPredictors)
        }
    }
}

/// A scorecard that cannot be built.
public enum ScorecardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every feature was left out.
    case noCharacteristics([String])

    public var description: String {
        switch self {
        case .noCharacteristics(let reasons):
            return "no characteristic is left for the scorecard: " + reasons.joined(separator: "; ")
        }
    }
}
