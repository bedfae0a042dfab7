import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit bin`: optimal WoE binning of every feature of a CSV file.
struct BinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bin",
        abstract: "Bin every feature for weight of evidence: binning table as CSV and a readable summary.",
        discussion: """
            Quantile pre-bins are merged into the bins of highest information value that meet \
            the constraints. Missing values and --special values get bins of their own.
            """
    )

    @OptionGroup var training: TrainingFileArguments
    @OptionGroup var binning: BinningArguments
    @Option(name: .long, help: "Binning table CSV to write.") var out: String?
    @Option(name: .long, help: "Write the bins as an editable binning file (JSON) for --bins.") var binsOut: String?

    func run() async throws {
        let binnings = try await reportingErrors {
            let binnings = try BinningJob.run(
                try await TrainingTable.load(training.fileOptions(allowMissing: true)), options: try binning.options(), spec: try binning.spec())
            if let out { try BinningJob.write(binnings, to: out) }
            if let binsOut {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try encoder.encode(BinningSpec(reproducing: binnings)).write(to: URL(fileURLWithPath: binsOut))
            }
            return binnings
        }
        print(BinningTableFormatter.format(binnings))
    }
}

/// The training-file flags shared by `fit` and `bin`.
struct TrainingFileArguments: ParsableArguments {
    @Option(name: .long, help: "Training CSV file.") var data: String
    @Option(name: .long, help: "Outcome column.") var target: String
    @Option(name: .long, help: "Outcome value that marks a default.") var event = "1"
    @Option(name: .long, help: "Columns to leave out (comma-separated).") var exclude: ColumnList?
    @Option(name: .long, help: "Columns to treat as categorical (comma-separated).") var categorical: ColumnList?
    @Option(name: .long, help: "Column of frequency weights.") var weight: String?

    func fileOptions(allowMissing: Bool) -> TrainingFileOptions {
        var options = TrainingFileOptions(path: data, target: target)
        options.eventLabel = event
        options.excluded = Set(exclude?.names ?? [])
        options.categorical = Set(categorical?.names ?? [])
        options.weight = weight
        options.allowMissing = allowMissing
        return options
    }
}

/// Binning constraint flags.
struct BinningArguments: ParsableArguments {
    @Option(name: .long, help: "Quantile pre-bins.") var maxPrebins = 20
    @Option(name: .long, help: "Fewest bins.") var minBins = 1
    @Option(name: .long, help: "Most bins.") var maxBins = 10
    @Option(name: .long, help: "Smallest share of rows in a bin.") var minBinShare = 0.05
    @Option(name: .long, help: "Fewest events and non-events in a bin.") var minBinEvents = 1
    @Option(name: .long, help: "Event-rate trend: ascending, descending, auto, none.") var trend = "auto"
    @Option(name: .long, help: "Largest p-value between neighbouring bins.") var maxPValue: Double?
    @Option(name: .long, help: "Special numeric values with a bin of their own (comma-separated).") var special: ColumnList?
    @Option(name: .long, help: "Special category labels with a bin of their own (comma-separated).") var specialCategories: ColumnList?
    @Option(name: .long, help: "Binning file (JSON) declaring bins for some features; the others are optimized.") var bins: String?

    /// The binning file, if given.
    func spec() throws -> BinningSpec? {
        guard let bins else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: bins))
        } catch {
            throw ValidationError("--bins: cannot read '\(bins)'")
        }
        do {
            return try JSONDecoder().decode(BinningSpec.self, from: data)
        } catch {
            throw ValidationError("--bins: '\(bins)' is not a binning file: \(error)")
        }
    }

    func options() throws -> BinningOptions {
        var options = BinningOptions()
        guard let trend = BinningOptions.Trend(rawValue: trend) else {
            throw ValidationError("--trend must be one of ascending, descending, auto, none")
        }
        (options.maxPrebins, options.minBins, options.maxBins) = (maxPrebins, minBins, maxBins)
        (options.minBinShare, options.minBinEvents, options.monotonicTrend, options.maxPValue) = (minBinShare, minBinEvents, trend, maxPValue)
        options.specialValues = try (special?.names ?? []).map { text in
            guard let value = Double(text) else { throw ValidationError("--special: '\(text)' is not a number") }
            return value
        }
        options.specialCategories = specialCategories?.names ?? []
        try options.validate()
        return options
    }
}

/// Renders binnings as the table `credit bin` prints.
enum BinningTableFormatter {
    static func format(_ binnings: [FeatureBinning]) -> String {
        var lines: [String] = []
        for binning in binnings {
            lines.append(String(format: "%@  IV %.4f  Gini %.4f  KS %.4f", binning.name, binning.informationValue, binning.gini, binning.ks))
            for bin in binning.bins {
                lines.append("  " + bin.label.padding(toLength: 50, withPad: " ", startingAt: 0)
                    + String(format: "%8d %7d  rate %.4f  WoE %+.4f  IV %.4f", bin.count, bin.events, bin.eventRate, bin.weightOfEvidence, bin.informationValue))
            }
        }
        return lines.joined(separator: "\n")
    }
}
