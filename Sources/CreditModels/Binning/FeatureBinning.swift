public import CreditCore

/// The bins of one feature, ready to map values to bins, with the feature's IV, Gini and KS.
public struct FeatureBinning: Sendable, Equatable, Codable {
    /// The feature (column) name.
    public var name: String
    /// `true` for a numeric feature, `false` for a categorical one.
    public var isNumeric: Bool
    /// The bins: the value bins in order, then the special bin (if any), then the missing bin.
    public var bins: [Bin]
    /// Information value, the sum of the bins' IV.
    public var informationValue: Double
    /// Gini of the binned feature (bins ranked by event rate), in [0, 1].
    public var gini: Double
    /// Kolmogorov-Smirnov statistic of the binned feature.
    public var ks: Double

    /// A binning as recorded.
    package init(name: String, isNumeric: Bool, bins: [Bin], informationValue: Double, gini: Double, ks: Double) {
        (self.name, self.isNumeric, self.bins, self.informationValue, self.gini, self.ks) = (name, isNumeric, bins, informationValue, gini, ks)
    }

    /// The index of the bin `value` falls in, or `nil` for a category that is in no bin (an
    /// unseen category: the caller's policy decides) or a value of the wrong kind.
    public func binIndex(for value: FeatureValue) -> Int? {
        switch value {
        case .missing:
            return bins.firstIndex { $0.values == .missing }
        case .number(let number):
            guard isNumeric, number.isFinite else { return nil }
            for (index, bin) in bins.enumerated() {
                switch bin.values {
                case .special(let values) where values.contains(number): return index
                default: continue
                }
            }
            for (index, bin) in bins.enumerated() {
                if case .interval(let lower, let upper) = bin.values, lower.map({ number >= $0 }) ?? true, upper.map({ number < $0 }) ?? true {
                    return index
                }
            }
            return nil
        case .category(let label):
            guard !isNumeric else { return nil }
            return bins.firstIndex { bin in
                switch bin.values {
                case .categories(let labels), .specialCategories(let labels): return labels.contains(label)
                default: return false
                }
            }
        }
    }

    /// The index of the missing bin.
    public var missingBinIndex: Int? { bins.firstIndex { $0.values == .missing } }
}
