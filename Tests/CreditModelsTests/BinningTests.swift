import CreditCore
import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

/// A seeded numeric feature whose default rate rises with the value, with some missing values.
private func risingFeature(count: Int = 2_000, missingEvery: Int = 25) -> (values: [Double], events: [Bool]) {
    var random = SplitMix64(seed: 7)
    var values: [Double] = []
    var events: [Bool] = []
    for index in 0..<count {
        let x = (random.nextUnit() * 100).rounded()
        values.append(index % missingEvery == 0 ? .nan : x)
        events.append(random.nextUnit() < 0.05 + 0.4 * x / 100)
    }
    return (values, events)
}

@Suite("WoE binning")
struct BinningTests {
    @Test("bins follow the declared trend and partition the rows", arguments: [BinningOptions.Trend.ascending, .descending, .auto])
    func trendAndPartition(trend: BinningOptions.Trend) throws {
        let (values, events) = risingFeature()
        var options = BinningOptions()
        options.monotonicTrend = trend
        do {
            let binning = try WoEBinner(options: options).fit(name: "x", numeric: values, events: events)
            let rates = binning.bins.filter { if case .interval = $0.values { return true } else { return false } }.map(\.eventRate)
            if trend == .descending {
                #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
            } else {
                #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 }, "auto picks ascending for a rising feature")
            }
            #expect(binning.bins.reduce(0) { $0 + $1.count } == values.count)
            #expect(binning.bins.reduce(0) { $0 + $1.events } == events.filter { $0 }.count)
            #expect(binning.bins.last?.values == .missing && binning.bins.last?.count == 80)
            #expect(isClose(binning.informationValue, binning.bins.reduce(0) { $0 + $1.informationValue }, relative: 1e-12))
        } catch let error as BinningError {
            // A rising feature cannot be binned descending with more than one bin of 5%.
            #expect(trend == .descending)
            #expect(error.problem.contains("descending event rate"))
        }
    }

    @Test("swapping the labels negates WoE and keeps IV")
    func labelSwap() throws {
        let (values, events) = risingFeature()
        var options = BinningOptions()
        options.monotonicTrend = .none
        let binner = try WoEBinner(options: options)
        let original = try binner.fit(name: "x", numeric: values, events: events)
        let swapped = try binner.fit(name: "x", numeric: values, events: events.map { !$0 })
        #expect(original.bins.map(\.values) == swapped.bins.map(\.values))
        #expect(firstMismatch(original.bins.map(\.weightOfEvidence), swapped.bins.map { -$0.weightOfEvidence }, relative: 1e-12, absolute: 1e-12) == nil)
        #expect(isClose(original.informationValue, swapped.informationValue, relative: 1e-12))
    }

    @Test("WoE and IV follow their formulas, with 0.5 smoothing for an empty cell")
    func formulas() {
        let bin = Bin(values: .missing, count: 30, events: 10, totalEvents: 100, totalNonEvents: 400)
        let woe = log((20.0 / 400) / (10.0 / 100))
        #expect(isClose(bin.weightOfEvidence, woe, relative: 1e-15))
        #expect(isClose(bin.informationValue, (20.0 / 400 - 10.0 / 100) * woe, relative: 1e-15))
        let pure = Bin(values: .missing, count: 5, events: 0, totalEvents: 100, totalNonEvents: 400)
        #expect(isClose(pure.weightOfEvidence, log((5.5 / 400) / (0.5 / 100)), relative: 1e-15))
    }

    @Test("special values and missing values get their own bins; values map to the right bin")
    func specialAndMissing() throws {
        var (values, events) = risingFeature()
        for index in stride(from: 3, to: values.count, by: 40) { values[index] = -999 }
        var options = BinningOptions()
        options.specialValues = [-999]
        let binning = try WoEBinner(options: options).fit(name: "x", numeric: values, events: events)
        let special = try #require(binning.bins.firstIndex { $0.values == .special([-999]) })
        #expect(binning.binIndex(for: .number(-999)) == special)
        #expect(binning.binIndex(for: .missing) == binning.missingBinIndex)
        #expect(binning.bins[special].count == 50)
        for x in [0.0, 37, 99, 1e6, -5] {
            let index = try #require(binning.binIndex(for: .number(x)))
            guard case .interval(let lower, let upper) = binning.bins[index].values else { Issue.record("not an interval"); continue }
            #expect(lower.map { x >= $0 } ?? true && upper.map { x < $0 } ?? true)
        }
    }

    @Test("categorical bins are ordered by event rate; unseen labels are in no bin")
    func categorical() throws {
        var labels: [String?] = []
        var events: [Bool] = []
        let rates = ["a": 0.05, "b": 0.2, "c": 0.4, "d": 0.6]
        var random = SplitMix64(seed: 3)
        for index in 0..<4_000 {
            let label = ["a", "b", "c", "d"][index % 4]
            labels.append(index % 50 == 0 ? nil : label)
            events.append(random.nextUnit() < rates[label]!)
        }
        let binning = try WoEBinner().fit(name: "grade", categorical: labels, events: events)
        let valueBins = binning.bins.dropLast()
        #expect(zip(valueBins, valueBins.dropFirst()).allSatisfy { $0.eventRate < $1.eventRate })
        #expect(binning.binIndex(for: .category("z")) == nil)
        #expect(binning.binIndex(for: .category("a")) == 0)
    }

    @Test("declared special categories get their own bin")
    func specialCategories() throws {
        var labels: [String?] = []
        var events: [Bool] = []
        var random = SplitMix64(seed: 5)
        for index in 0..<3_000 {
            let label = index % 10 == 0 ? "no bureau record" : ["a", "b", "c"][index % 3]
            labels.append(label)
            events.append(random.nextUnit() < (label == "no bureau record" ? 0.5 : label == "a" ? 0.1 : 0.3))
        }
        var options = BinningOptions()
        options.specialCategories = ["no bureau record"]
        let binning = try WoEBinner(options: options).fit(name: "bureau", categorical: labels, events: events)
        let special = try #require(binning.bins.firstIndex { $0.values == .specialCategories(["no bureau record"]) })
        #expect(binning.bins[special].count == 300)
        #expect(binning.binIndex(for: .category("no bureau record")) == special)
        #expect(!binning.bins.contains { if case .categories(let members) = $0.values { return members.contains("no bureau record") } else { return false } })
    }

    @Test("constraints that cannot be met are named")
    func infeasible() throws {
        let (values, events) = risingFeature()
        var options = BinningOptions()
        options.minBins = 8
        options.minBinShare = 0.2
        #expect(throws: BinningError.self) { try WoEBinner(options: options).fit(name: "x", numeric: values, events: events) }
        do {
            _ = try WoEBinner(options: options).fit(name: "x", numeric: values, events: events)
        } catch let error as BinningError {
            #expect(error.description.hasPrefix("feature 'x': no binning of its "))
            #expect(error.description.contains("at least 8 bins") && error.description.contains("minBinShare 0.2"))
        }
        #expect(throws: BinningError(feature: "x", problem: "the outcome has a single class; binning needs events and non-events")) {
            try WoEBinner().fit(name: "x", numeric: [1, 2, 3], events: [true, true, true])
        }
        #expect(throws: ConfigurationError(name: "maxBins", value: "1", requirement: "must be at least minBins (2)")) {
            var bad = BinningOptions()
            (bad.minBins, bad.maxBins) = (2, 1)
            return try WoEBinner(options: bad)
        }
    }

    @Test("the merge maximizes IV: no other contiguous partition of the pre-bins beats it")
    func mergeIsOptimal() throws {
        // Small enough to enumerate: 6 quantile pre-bins, every partition into contiguous groups.
        var options = BinningOptions()
        (options.prebinning, options.maxPrebins, options.monotonicTrend, options.minBinShare) = (.quantile, 6, .none, 0)
        let (values, events) = risingFeature(count: 600, missingEvery: 1_000_000)
        let merged = try WoEBinner(options: options).fit(name: "x", numeric: values, events: events)
        options.maxBins = 6
        options.minBins = 6
        let finest = try WoEBinner(options: options).fit(name: "x", numeric: values, events: events)
        let prebins = finest.bins.filter { if case .interval = $0.values { return true } else { return false } }
        let totalEvents = events.filter { $0 }.count
        var best = 0.0
        for mask in 0..<(1 << (prebins.count - 1)) {
            var iv = 0.0
            var count = 0
            var eventCount = 0
            for (index, bin) in prebins.enumerated() {
                count += bin.count
                eventCount += bin.events
                if index == prebins.count - 1 || mask & (1 << index) != 0 {
                    iv += Bin(values: .missing, count: count, events: eventCount, totalEvents: totalEvents,
                              totalNonEvents: events.count - totalEvents).informationValue
                    (count, eventCount) = (0, 0)
                }
            }
            best = max(best, iv)
        }
        let mergedIV = merged.bins.filter { if case .interval = $0.values { return true } else { return false } }
            .reduce(0) { $0 + $1.informationValue }
        #expect(isClose(mergedIV, best, relative: 1e-12))
    }

    @Test("a binning file written from a binning reproduces it; declared bins are used as given")
    func declaredBins() throws {
        let (values, events) = risingFeature()
        let labels: [String?] = values.map { $0.isNaN ? nil : ($0 < 30 ? "low" : $0 < 70 ? "mid" : "high") }
        let binner = try WoEBinner()
        let numeric = try binner.fit(TrainingData.Feature(name: "x", values: .numeric(values)), events: events, spec: nil)
        let categorical = try binner.fit(
            TrainingData.Feature(name: "g", values: .categorical(labels.map { $0 ?? "" })), events: events, spec: nil)
        let spec = BinningSpec(reproducing: [numeric, categorical])
        #expect(try binner.fit(TrainingData.Feature(name: "x", values: .numeric(values)), events: events, spec: spec) == numeric)
        #expect(try binner.fit(TrainingData.Feature(name: "g", values: .categorical(labels.map { $0 ?? "" })), events: events, spec: spec) == categorical)

        let declared = try binner.fit(name: "x", numeric: values, events: events, splits: [10, 50])
        #expect(declared.bins.map(\.values) == [.interval(lower: nil, upper: 10), .interval(lower: 10, upper: 50), .interval(lower: 50, upper: nil), .missing])
        #expect(declared.bins[1].count == values.filter { $0 >= 10 && $0 < 50 }.count)
        #expect(throws: BinningError(feature: "x", problem: "the binning file's splits must be finite and strictly ascending")) {
            try binner.fit(name: "x", numeric: values, events: events, splits: [50, 10])
        }
        #expect(throws: BinningError(feature: "g", problem: "category 'high' is in no group of the binning file")) {
            try binner.fit(name: "g", categorical: labels, events: events, groups: [["low"], ["mid"]])
        }
        #expect(throws: BinningError(feature: "g", problem: "category 'low' is in two groups of the binning file")) {
            try binner.fit(name: "g", categorical: labels, events: events, groups: [["low", "mid"], ["low", "high"]])
        }
    }
}
