public import CreditCore

/// Constraints of ``WoEBinner``, with documented defaults (those of optbinning where it has one).
public struct BinningOptions: Sendable, Equatable, Codable {
    /// How the event rate must move across the bins of a numeric feature, in increasing value
    /// order. Categorical features are ordered by event rate, so they are always ascending.
    public enum Trend: String, Sendable, Codable, CaseIterable {
        case ascending, descending
        /// The better (higher IV) of ascending and descending.
        case auto
        /// No trend required.
        case none
    }

    /// How numeric values are cut into pre-bins before the optimal merge.
    public enum Prebinning: String, Sendable, Codable, CaseIterable {
        /// A classification tree grown best-first on Gini impurity, leaves of at least
        /// `minPrebinShare` of the rows (optbinning's default, `prebinning_method="cart"`).
        case cart
        /// Equal-frequency quantiles.
        case quantile
    }

    /// Pre-binning method for numeric features. Default `.cart`.
    public var prebinning = Prebinning.cart
    /// Most pre-bins before merging. Default 20.
    public var maxPrebins = 20
    /// Smallest share of rows in a pre-bin (CART leaves). Default 0.05.
    public var minPrebinShare = 0.05
    /// Fewest bins (missing and special bins not counted). Default 1.
    public var minBins = 1
    /// Most bins (missing and special bins not counted). Default 10.
    public var maxBins = 10
    /// Smallest share of all rows in one bin. Default 0.05.
    public var minBinShare = 0.05
    /// Fewest events and fewest non-events in one bin (so every WoE is finite). Default 1.
    public var minBinEvents = 1
    /// Required event-rate trend. Default `.auto`.
    public var monotonicTrend = Trend.auto
    /// Largest p-value allowed between neighbouring bins (two-proportion z test); `nil` for no
    /// limit. Default `nil`.
    public var maxPValue: Double?
    /// Numeric values that mean something special (`-999`: no bureau record); they get their own bin.
    public var specialValues: [Double] = []
    /// Category labels that mean something special (`no bureau record`); they get their own bin.
    public var specialCategories: [String] = []

    /// Default options.
    public init() {}

    /// Checks every option against its documented range.
    /// - Throws: ``ConfigurationError`` naming the first invalid option.
    public func validate() throws(ConfigurationError) {
        if maxPrebins < 2 || maxPrebins > 100 {
            throw ConfigurationError(name: "maxPrebins", value: "\(maxPrebins)", requirement: "must be in 2...100")
        }
        if !(minPrebinShare.isFinite && minPrebinShare > 0 && minPrebinShare < 0.5) {
            throw ConfigurationError(name: "minPrebinShare", value: "\(minPrebinShare)", requirement: "must be in (0, 0.5)")
        }
        if minBins < 1 { throw ConfigurationError(name: "minBins", value: "\(minBins)", requirement: "must be at least 1") }
        if maxBins < minBins {
            throw ConfigurationError(name: "maxBins", value: "\(maxBins)", requirement: "must be at least minBins (\(minBins))")
        }
        if !(minBinShare.isFinite && minBinShare >= 0 && minBinShare < 0.5) {
            throw ConfigurationError(name: "minBinShare", value: "\(minBinShare)", requirement: "must be in [0, 0.5)")
        }
        if minBinEvents < 0 { throw ConfigurationError(name: "minBinEvents", value: "\(minBinEvents)", requirement: "must be >= 0") }
        if let maxPValue, !(maxPValue.isFinite && maxPValue > 0 && maxPValue <= 1) {
            throw ConfigurationError(name: "maxPValue", value: "\(maxPValue)", requirement: "must be in (0, 1]")
        }
        if let bad = specialValues.first(where: { !$0.isFinite }) {
            throw ConfigurationError(name: "specialValues", value: "\(bad)", requirement: "must be finite numbers")
        }
    }
}
