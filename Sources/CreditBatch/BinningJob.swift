public import CreditCSV
public import CreditEngine

/// Bins every feature of a training file and writes the binning table as CSV.
public enum BinningJob {
    /// Bins each feature of `table` (missing values allowed) with `options`, or as `spec` declares.
    /// - Throws: ``BinningError`` naming the feature and the constraint that cannot be met.
    public static func run(_ table: TrainingTable, options: BinningOptions, spec: BinningSpec? = nil) throws -> [FeatureBinning] {
        let binner = try WoEBinner(options: options)
        return try table.data.features.map { feature throws(BinningError) in try binner.fit(feature, events: table.data.events, spec: spec) }
    }

    /// Writes `feature,bin,count,events,event_rate,woe,iv` rows, one per bin, to `path`.
    /// - Throws: ``CSVError`` when the file cannot be written.
    public static func write(_ binnings: [FeatureBinning], to path: String) throws(CSVError) {
        let writer = try CSVWriter(path: path)
        try writer.write(record: ["feature", "bin", "count", "events", "event_rate", "woe", "iv"])
        for binning in binnings {
            for bin in binning.bins {
                writer.formatter.append(field: binning.name)
                writer.formatter.append(field: bin.label)
                writer.formatter.append(integer: bin.count)
                writer.formatter.append(integer: bin.events)
                writer.formatter.append(number: bin.eventRate)
                writer.formatter.append(number: bin.weightOfEvidence)
                writer.formatter.append(number: bin.informationValue)
                try writer.endRecord()
            }
        }
        try writer.commit()
    }
}
