public import CreditCSV
import CreditEngine

/// Writes ``CreditModels/SyntheticLoans`` rows to a CSV file: `id,x1,…,xK,default`.
public enum SyntheticFile {
    /// Writes `rows` rows and returns the true model that generated them.
    /// - Throws: ``CreditCSV/CSVError`` when the file cannot be written.
    public static func write(
        rows: Int, featureCount: Int, seed: UInt64, path: String
    ) throws(CSVError) -> (intercept: Double, coefficients: [Double]) {
        var generator = SyntheticLoans(featureCount: featureCount, seed: seed)
        let writer = try CSVWriter(path: path)
        try writer.write(record: ["id"] + (1...featureCount).map { "x\($0)" } + ["default"])
        for row in 0..<rows {
            let (features, event) = generator.next()
            writer.formatter.append(integer: row + 1)
            for value in features { writer.formatter.append(number: value) }
            writer.formatter.append(integer: event ? 1 : 0)
            try writer.endRecord()
        }
        try writer.flush()
        return (generator.trueIntercept, generator.trueCoefficients)
    }
}
