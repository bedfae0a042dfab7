/// Bins an analyst declares instead of the optimized ones: split points for numeric features,
/// groups of labels for categorical ones. `credit bin --bins-out` writes one from an optimal
/// binning; editing it and passing it back (`--bins`) fixes those features' bins, while counts,
/// WoE and IV are recomputed from the data.
///
/// ```json
/// {"schemaVersion": 1, "features": {"duration_in_month": {"splits": [9, 12, 24]},
///  "purpose": {"groups": [["car (new)"], ["radio/television", "furniture/equipment"]]}}}
/// ```
public struct BinningSpec: Sendable, Equatable, Codable {
    /// The declared bins of one feature.
    public struct Feature: Sendable, Equatable, Codable {
        /// Numeric: ascending split points; bin `i` is `[splits[i-1], splits[i])`.
        public var splits: [Double]?
        /// Categorical: disjoint groups of labels, one bin each.
        public var groups: [[String]]?

        /// Creates a declaration.
        public init(splits: [Double]? = nil, groups: [[String]]? = nil) {
            self.splits = splits
            self.groups = groups
        }
    }

    /// The spec format version; 1.
    public var schemaVersion = 1
    /// Declared features by name; features not listed are binned optimally.
    public var features: [String: Feature]

    /// A spec declaring `features`.
    public init(features: [String: Feature]) {
        self.features = features
    }

    /// The spec that reproduces `binnings`' value bins.
    public init(reproducing binnings: [FeatureBinning]) {
        var features: [String: Feature] = [:]
        for binning in binnings {
            var splits: [Double] = []
            var groups: [[String]] = []
            for bin in binning.bins {
                switch bin.values {
                case .interval(_, let upper): if let upper { splits.append(upper) }
                case .categories(let labels): groups.append(labels)
                case .missing, .special, .specialCategories: break
                }
            }
            features[binning.name] = binning.isNumeric ? Feature(splits: splits) : Feature(groups: groups)
        }
        self.features = features
    }
}

extension WoEBinner {
    /// Bins a numeric feature at declared `splits` (no optimization; constraints not applied).
    /// - Throws: ``BinningError`` when the splits are not finite and strictly ascending.
    public func fit(name: String, numeric values: [Double], events: [Bool], splits: [Double]) throws(BinningError) -> FeatureBinning {
        guard splits.allSatisfy(\.isFinite), zip(splits, splits.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw BinningError(feature: name, problem: "the binning file's splits must be finite and strictly ascending")
        }
        return try fitDeclared(name: name, numeric: values, events: events, splits: splits)
    }

    /// Bins a categorical feature into declared `groups` (no optimization; constraints not applied).
    /// - Throws: ``BinningError`` when a label is in two groups, or a label in the data is in none.
    public func fit(name: String, categorical labels: [String?], events: [Bool], groups: [[String]]) throws(BinningError) -> FeatureBinning {
        var group: [String: Int] = [:]
        for (index, members) in groups.enumerated() {
            for label in members where group.updateValue(index, forKey: label) != nil {
                throw BinningError(feature: name, problem: "category '\(label)' is in two groups of the binning file")
            }
        }
        if let stray = labels.first(where: { $0.map { group[$0] == nil && !options.specialCategories.contains($0) } ?? false }) ?? nil {
            throw BinningError(feature: name, problem: "category '\(stray)' is in no group of the binning file")
        }
        return try fitDeclared(name: name, categorical: labels, events: events, groups: groups)
    }
}

extension WoEBinner {
    /// Bins one training column: as `spec` declares it, or optimally when it is not declared.
    /// Numeric columns mark missing values with NaN, categorical ones with the empty string.
    /// - Throws: ``BinningError``.
    public func fit(_ feature: TrainingData.Feature, events: [Bool], spec: BinningSpec?) throws(BinningError) -> FeatureBinning {
        let declared = spec?.features[feature.name]
        switch feature.values {
        case .numeric(let values):
            if let splits = declared?.splits { return try fit(name: feature.name, numeric: values, events: events, splits: splits) }
            if declared != nil { throw BinningError(feature: feature.name, problem: "the binning file gives groups for a numeric feature") }
            return try fit(name: feature.name, numeric: values, events: events)
        case .categorical(let labels):
            let optional = labels.map { $0.isEmpty ? nil : $0 }
            if let groups = declared?.groups { return try fit(name: feature.name, categorical: optional, events: events, groups: groups) }
            if declared != nil { throw BinningError(feature: feature.name, problem: "the binning file gives splits for a categorical feature") }
            return try fit(name: feature.name, categorical: optional, events: events)
        }
    }
}
