public import CreditCore
import CreditStats
import RealModule

/// Why a feature could not be binned. The message names the constraint that cannot be met.
public struct BinningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The feature.
    public var feature: String
    /// What is wrong.
    public var problem: String

    public var description: String { "feature '\(feature)': \(problem)" }
}

/// Optimal binning for weight of evidence: quantile pre-bins merged into the contiguous bins of
/// highest information value that meet every constraint of ``BinningOptions``.
///
/// The merge is exact: a dynamic program over all ways to merge contiguous pre-bins (O(P³·B) for P
/// pre-bins and at most B bins), so among partitions of the same pre-bins it finds the maximum
/// IV, as optbinning's MIP formulation does. Missing values and declared special values get bins
/// of their own. Categorical features are ordered by event rate, each category a pre-bin.
/// Deterministic.
public struct WoEBinner: Sendable {
    /// The validated options.
    public let options: BinningOptions

    /// A binner with validated options.
    /// - Throws: ``ConfigurationError`` naming the first invalid option.
    public init(options: BinningOptions = BinningOptions()) throws(ConfigurationError) {
        try options.validate()
        self.options = options
    }

    /// Bins a numeric feature. `NaN` marks a missing value.
    /// - Throws: ``BinningError`` when no binning meets the constraints (naming which one fails),
    ///   or the data has a single class, lengths differ, or a value is infinite.
    public func fit(name: String, numeric values: [Double], events: [Bool]) throws(BinningError) -> FeatureBinning {
        try fitDeclared(name: name, numeric: values, events: events, splits: nil)
    }

    /// Bins a numeric feature at `splits`, or optimally when `splits` is `nil`.
    func fitDeclared(name: String, numeric values: [Double], events: [Bool], splits declared: [Double]?) throws(BinningError) -> FeatureBinning {
        try check(name: name, count: values.count, events: events)
        if values.contains(where: { $0.isInfinite }) { throw BinningError(feature: name, problem: "a value is infinite") }
        let totals = Totals(events)
        var missing = (count: 0, events: 0)
        var special = (count: 0, events: 0)
        // The clean values in ascending order, each with its outcome: radix-sorted, since the
        // order of equal values does not matter to the counts (a comparison sort was a quarter
        // of a scorecard fit).
        var keys: [UInt64] = []
        var outcomes: [UInt8] = []
        keys.reserveCapacity(values.count)
        outcomes.reserveCapacity(values.count)
        for (value, event) in zip(values, events) {
            if value.isNaN {
                missing.count += 1
                if event { missing.events += 1 }
            } else if options.specialValues.contains(value) {
                special.count += 1
                if event { special.events += 1 }
            } else {
                keys.append(RadixSort.key(value))
                outcomes.append(event ? 1 : 0)
            }
        }
        RadixSort.sort(&keys, carrying: &outcomes)
        let clean = zip(keys, outcomes).map { (value: RadixSort.score(of: $0), event: $1 == 1) }
        let prebins = numericPrebins(clean, splits: declared)
        if declared != nil {
            return try summarize(name: name, isNumeric: true, bins: numericBins(
                prebins, groups: prebins.indices.map { $0..<($0 + 1) }, special: special, missing: missing, totals: totals))
        }
        let trends: [BinningOptions.Trend] = options.monotonicTrend == .auto ? [.ascending, .descending] : [options.monotonicTrend]
        var best: [Range<Int>]?
        var bestIV = -Double.infinity
        var failure: String?
        for trend in trends {
            do throws(BinningError) {
                let groups = try merge(prebins.map { ($0.count, $0.events) }, trend: trend, totals: totals, total: values.count, name: name)
                let iv = groups.reduce(0.0) { $0 + totals.iv(of: prebins[$1]) }
                if iv > bestIV { (best, bestIV) = (groups, iv) }
            } catch {
                failure = error.problem
            }
        }
        guard let groups = best else { throw BinningError(feature: name, problem: failure ?? "no binning meets the constraints") }
        return try summarize(name: name, isNumeric: true, bins: numericBins(prebins, groups: groups, special: special, missing: missing, totals: totals))
    }

    /// Interval bins from groups of pre-bins, then the special and missing bins.
    private func numericBins(
        _ prebins: [Prebin], groups: [Range<Int>], special: (count: Int, events: Int), missing: (count: Int, events: Int), totals: Totals
    ) -> [Bin] {
        var bins = groups.map { range -> Bin in
            let lower = range.lowerBound == 0 ? nil : prebins[range.lowerBound].lower
            let upper = range.upperBound == prebins.count ? nil : prebins[range.upperBound].lower
            let counts = totals.counts(of: prebins[range])
            return Bin(values: .interval(lower: lower, upper: upper), count: counts.count, events: counts.events,
                       totalEvents: totals.events, totalNonEvents: totals.nonEvents)
        }
        if !options.specialValues.isEmpty {
            bins.append(Bin(values: .special(options.specialValues), count: special.count, events: special.events,
                            totalEvents: totals.events, totalNonEvents: totals.nonEvents))
        }
        bins.append(Bin(values: .missing, count: missing.count, events: missing.events,
                        totalEvents: totals.events, totalNonEvents: totals.nonEvents))
        return bins
    }

    /// Bins a categorical feature. `nil` marks a missing value.
    /// - Throws: ``BinningError`` as ``fit(name:numeric:events:)``.
    public func fit(name: String, categorical labels: [String?], events: [Bool]) throws(BinningError) -> FeatureBinning {
        try fitDeclared(name: name, categorical: labels, events: events, groups: nil)
    }

    /// Bins a categorical feature into declared `groups`, or optimally when `groups` is `nil`.
    func fitDeclared(
        name: String, categorical labels: [String?], events: [Bool], groups declared: [[String]]?
    ) throws(BinningError) -> FeatureBinning {
        try check(name: name, count: labels.count, events: events)
        let totals = Totals(events)
        var missing = (count: 0, events: 0)
        var special = (count: 0, events: 0)
        var counts: [String: (count: Int, events: Int)] = [:]
        for (label, event) in zip(labels, events) {
            guard let label else {
                missing.count += 1
                if event { missing.events += 1 }
                continue
            }
            if options.specialCategories.contains(label) {
                special.count += 1
                if event { special.events += 1 }
                continue
            }
            counts[label, default: (0, 0)].count += 1
            if event { counts[label, default: (0, 0)].events += 1 }
        }
        // Categories in event-rate order (ties by label bytes): each is a pre-bin.
        let ordered = counts.sorted { a, b in
            let (rateA, rateB) = (Double(a.value.events) / Double(a.value.count), Double(b.value.events) / Double(b.value.count))
            return rateA != rateB ? rateA < rateB : a.key.precedesInByteOrder(b.key)
        }
        var bins: [Bin]
        if let declared {
            bins = declared.map { members in
                Bin(values: .categories(members), count: members.reduce(0) { $0 + (counts[$1]?.count ?? 0) },
                    events: members.reduce(0) { $0 + (counts[$1]?.events ?? 0) }, totalEvents: totals.events, totalNonEvents: totals.nonEvents)
            }
        } else {
            let groups = try merge(ordered.map { ($0.value.count, $0.value.events) }, trend: .ascending, totals: totals, total: labels.count, name: name)
            bins = groups.map { range -> Bin in
                let members = ordered[range]
                return Bin(values: .categories(members.map(\.key)), count: members.reduce(0) { $0 + $1.value.count },
                           events: members.reduce(0) { $0 + $1.value.events }, totalEvents: totals.events, totalNonEvents: totals.nonEvents)
            }
        }
        if !options.specialCategories.isEmpty {
            bins.append(Bin(values: .specialCategories(options.specialCategories), count: special.count, events: special.events,
                            totalEvents: totals.events, totalNonEvents: totals.nonEvents))
        }
        bins.append(Bin(values: .missing, count: missing.count, events: missing.events,
                        totalEvents: totals.events, totalNonEvents: totals.nonEvents))
        return try summarize(name: name, isNumeric: false, bins: bins)
    }

    // MARK: - Pre-binning

    private struct Prebin {
        var lower: Double
        var count: Int
        var events: Int
    }

    /// Cuts sorted values into at most `maxPrebins` pre-bins (or at `declared` splits); ties never
    /// straddle a cut. Each cut is the lowest value of the pre-bin to its right.
    private func numericPrebins(_ sorted: [(value: Double, event: Bool)], splits declared: [Double]? = nil) -> [Prebin] {
        let splits: [Double]
        let lowest: Double
        if let declared {
            (splits, lowest) = (declared, -Double.infinity)
        } else {
            guard let first = sorted.first else { return [] }
            lowest = first.value
            switch options.prebinning {
            case .quantile:
                var quantiles: [Double] = []
                for q in 1..<options.maxPrebins {
                    let value = sorted[min(sorted.count - 1, sorted.count * q / options.maxPrebins)].value
                    if value > lowest, quantiles.last.map({ value > $0 }) ?? true { quantiles.append(value) }
                }
                splits = quantiles
            case .cart:
                splits = cartSplits(sorted)
            }
        }
        var prebins = [Prebin(lower: lowest, count: 0, events: 0)] + splits.map { Prebin(lower: $0, count: 0, events: 0) }
        var index = 0
        for (value, event) in sorted {
            while index + 1 < prebins.count, value >= prebins[index + 1].lower { index += 1 }
            prebins[index].count += 1
            if event { prebins[index].events += 1 }
        }
        return prebins
    }

    /// Best-first binary splits on Gini impurity (as a CART classifier with `max_leaf_nodes` and
    /// `min_samples_leaf`): repeatedly split the leaf whose best cut lowers the weighted impurity
    /// most, until `maxPrebins` leaves or no cut leaves both sides with `minPrebinShare` of the rows.
    private func cartSplits(_ sorted: [(value: Double, event: Bool)]) -> [Double] {
        // Distinct values with cumulative counts and events.
        var values: [Double] = []
        var cumulativeCount = [0]
        var cumulativeEvents = [0]
        for (value, event) in sorted {
            if values.last != value {
                values.append(value)
                cumulativeCount.append(cumulativeCount.last!)
                cumulativeEvents.append(cumulativeEvents.last!)
            }
            cumulativeCount[cumulativeCount.count - 1] += 1
            if event { cumulativeEvents[cumulativeEvents.count - 1] += 1 }
        }
        let minLeaf = max(1, Int((options.minPrebinShare * Double(sorted.count)).rounded(.up)))
        func impurity(_ a: Int, _ b: Int) -> Double {
            let n = Double(cumulativeCount[b] - cumulativeCount[a])
            guard n > 0 else { return 0 }
            let p = Double(cumulativeEvents[b] - cumulativeEvents[a]) / n
            return n * 2 * p * (1 - p)
        }
        /// The best cut of distinct values a..<b: (cut index, impurity decrease).
        func bestCut(_ a: Int, _ b: Int) -> (Int, Double)? {
            var best: (Int, Double)?
            let whole = impurity(a, b)
            for c in (a + 1)..<max(a + 1, b) {
                guard cumulativeCount[c] - cumulativeCount[a] >= minLeaf, cumulativeCount[b] - cumulativeCount[c] >= minLeaf else { continue }
                let decrease = whole - impurity(a, c) - impurity(c, b)
                if decrease > (best?.1 ?? 1e-12) { best = (c, decrease) }
            }
            return best
        }
        var leaves = [(a: 0, b: values.count, cut: bestCut(0, values.count))]
        while leaves.count < options.maxPrebins {
            guard let index = leaves.indices.filter({ leaves[$0].cut != nil }).max(by: { leaves[$0].cut!.1 < leaves[$1].cut!.1 }),
                let (cut, _) = leaves[index].cut
            else { break }
            let (a, b) = (leaves[index].a, leaves[index].b)
            leaves[index] = (a, cut, bestCut(a, cut))
            leaves.append((cut, b, bestCut(cut, b)))
        }
        return leaves.map(\.a).filter { $0 > 0 }.sorted().map { values[$0] }
    }

    // MARK: - Optimal merge

    /// Event and non-event totals of the whole feature (WoE denominators).
    private struct Totals {
        let events: Int
        let nonEvents: Int

        init(_ flags: [Bool]) {
            events = flags.reduce(0) { $0 + ($1 ? 1 : 0) }
            nonEvents = flags.count - events
        }

        func counts<C: Collection>(of prebins: C) -> (count: Int, events: Int) where C.Element == Prebin {
            prebins.reduce((0, 0)) { ($0.0 + $1.count, $0.1 + $1.events) }
        }

        func iv<C: Collection>(of prebins: C) -> Double where C.Element == Prebin {
            let c = counts(of: prebins)
            return Bin.evidence(events: Double(c.events), nonEvents: Double(c.count - c.events),
                                totalEvents: Double(events), totalNonEvents: Double(nonEvents)).1
        }
    }

    /// The partition of `prebins` (count, events) into contiguous groups of maximum total IV
    /// meeting every constraint, or an error naming the constraint that cannot be met.
    private func merge(
        _ prebins: [(count: Int, events: Int)], trend: BinningOptions.Trend, totals: Totals, total: Int, name: String
    ) throws(BinningError) -> [Range<Int>] {
        let p = prebins.count
        guard p > 0 else { throw BinningError(feature: name, problem: "has no values besides missing and special ones") }
        var prefix = [(count: 0, events: 0)]
        for bin in prebins { prefix.append((prefix.last!.count + bin.count, prefix.last!.events + bin.events)) }
        func group(_ i: Int, _ j: Int) -> (count: Int, events: Int) {
            (prefix[j + 1].count - prefix[i].count, prefix[j + 1].events - prefix[i].events)
        }
        let minCount = Int((options.minBinShare * Double(total)).rounded(.up))
        func feasible(_ g: (count: Int, events: Int)) -> Bool {
            g.count >= max(minCount, 1) && g.events >= options.minBinEvents && g.count - g.events >= options.minBinEvents
        }
        func iv(_ g: (count: Int, events: Int)) -> Double {
            Bin.evidence(events: Double(g.events), nonEvents: Double(g.count - g.events),
                         totalEvents: Double(totals.events), totalNonEvents: Double(totals.nonEvents)).1
        }
        func compatible(_ a: (count: Int, events: Int), _ b: (count: Int, events: Int)) -> Bool {
            let rateA = Double(a.events) / Double(a.count)
            let rateB = Double(b.events) / Double(b.count)
            switch trend {
            case .ascending: if !(rateA < rateB) { return false }
            case .descending: if !(rateA > rateB) { return false }
            case .auto, .none: break
            }
            if let maxPValue = options.maxPValue {
                let pooled = Double(a.events + b.events) / Double(a.count + b.count)
                let spread = (pooled * (1 - pooled) * (1 / Double(a.count) + 1 / Double(b.count))).squareRoot()
                let z = spread > 0 ? abs(rateA - rateB) / spread : 0
                if Double.erfc(z / 2.0.squareRoot()) > maxPValue { return false }
            }
            return true
        }
        let maxGroups = min(options.maxBins, p)
        // best[k][i][j]: best IV of prebins 0...j in k+1 groups whose last group is i...j.
        var best = Array(repeating: Array(repeating: Array(repeating: -Double.infinity, count: p), count: p), count: maxGroups)
        var previous = Array(repeating: Array(repeating: Array(repeating: -1, count: p), count: p), count: maxGroups)
        for j in 0..<p where feasible(group(0, j)) { best[0][0][j] = iv(group(0, j)) }
        if maxGroups > 1 {
            for k in 1..<maxGroups {
                for j in 1..<p {
                    for i in 1...j {
                        let last = group(i, j)
                        guard feasible(last) else { continue }
                        for h in 0..<i where best[k - 1][h][i - 1] > -Double.infinity && compatible(group(h, i - 1), last) {
                            let value = best[k - 1][h][i - 1] + iv(last)
                            if value > best[k][i][j] {
                                best[k][i][j] = value
                                previous[k][i][j] = h
                            }
                        }
                    }
                }
            }
        }
        var choice: (k: Int, i: Int)?
        var bestValue = -Double.infinity
        for k in (options.minBins - 1)..<max(options.minBins - 1, maxGroups) {
            for i in 0..<p where best[k][i][p - 1] > bestValue {
                bestValue = best[k][i][p - 1]
                choice = (k, i)
            }
        }
        guard var (k, i) = choice else { throw BinningError(feature: name, problem: diagnose(trend: trend, prebins: p, minCount: minCount)) }
        var groups: [Range<Int>] = []
        var j = p - 1
        while true {
            groups.insert(i..<(j + 1), at: 0)
            if k == 0 { break }
            let h = previous[k][i][j]
            (k, i, j) = (k - 1, h, i - 1)
        }
        return groups
    }

    /// Names the constraints in force when no partition meets them.
    private func diagnose(trend: BinningOptions.Trend, prebins: Int, minCount: Int) -> String {
        var parts = ["at least \(options.minBins) bins", "bins of at least \(minCount) rows (minBinShare \(options.minBinShare))",
                     "at least \(options.minBinEvents) events and non-events per bin"]
        if trend == .ascending || trend == .descending { parts.append("\(trend.rawValue) event rate") }
        if let maxPValue = options.maxPValue { parts.append("neighbour p-value at most \(maxPValue)") }
        if prebins < options.minBins { return "only \(prebins) distinct pre-bins, fewer than minBins \(options.minBins)" }
        return "no binning of its \(prebins) pre-bins meets all of: " + parts.joined(separator: ", ") + "; relax one of them"
    }

    // MARK: - Summary

    private func check(name: String, count: Int, events: [Bool]) throws(BinningError) {
        guard count == events.count else { throw BinningError(feature: name, problem: "has \(count) values for \(events.count) outcomes") }
        let eventCount = events.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard eventCount > 0, eventCount < events.count else {
            throw BinningError(feature: name, problem: "the outcome has a single class; binning needs events and non-events")
        }
    }

    private func summarize(name: String, isNumeric: Bool, bins: [Bin]) throws(BinningError) -> FeatureBinning {
        var scores: [Double] = []
        var flags: [Bool] = []
        var weights: [Double] = []
        for bin in bins where bin.count > 0 {
            scores += [bin.eventRate, bin.eventRate]
            flags += [true, false]
            weights += [Double(bin.events), Double(bin.nonEvents)]
        }
        let ranking = try? RankingMetrics(scores: scores, events: flags, weights: weights)
        return FeatureBinning(
            name: name, isNumeric: isNumeric, bins: bins,
            informationValue: bins.reduce(0) { $0 + $1.informationValue },
            gini: ranking.map { abs($0.gini) } ?? 0, ks: ranking?.ks ?? 0)
    }
}
