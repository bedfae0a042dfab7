public import CreditCSV
public import CreditEngine

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
        try writer.commit()
        return (generator.trueIntercept, generator.trueCoefficients)
    }
}

extension SyntheticFile {
    /// Writes `rows` applications (`id,x1…xK,c1…cM,default`, empty cells for missing values)
    /// and returns the sealed true model that generated them, with `exampleCount` rows recorded
    /// as its examples.
    /// - Throws: ``CreditCSV/CSVError`` when the file cannot be written.
    public static func writeApplications(
        rows: Int, numericCount: Int, categoricalCount: Int, missingRate: Double, seed: UInt64, path: String
    ) throws -> ModelFile {
        var generator = SyntheticApplications(
            numericCount: numericCount, categoricalCount: categoricalCount, missingRate: missingRate, seed: seed)
        let writer = try CSVWriter(path: path)
        let numericNames = (1...numericCount).map { "x\($0)" }
        let categoricalNames = (0..<categoricalCount).map { "c\($0 + 1)" }
        try writer.write(record: ["id"] + numericNames + categoricalNames + ["default"])
        var examples: [ModelFile.Example] = []
        let scaling = try ScoreScaling()
        for row in 0..<rows {
            let application = generator.next()
            writer.formatter.append(integer: row + 1)
            for value in application.numbers {
                if let value { writer.formatter.append(number: value) } else { writer.formatter.append(field: "") }
            }
            for label in application.categories { writer.formatter.append(field: label ?? "") }
            writer.formatter.append(integer: application.event ? 1 : 0)
            try writer.endRecord()
            if examples.count < 5 {
                var input: [String: FeatureValue] = [:]
                for (name, value) in zip(numericNames, application.numbers) { input[name] = value.map(FeatureValue.number) ?? .missing }
                for (name, label) in zip(categoricalNames, application.categories) { input[name] = label.map(FeatureValue.category) ?? .missing }
                let eta = try generator.trueModel.linearPredictor(generator.trueModel.features.map { input[$0.name] ?? .missing })
                examples.append(ModelFile.Example(
                    input: input, probabilityOfDefault: LogisticModel.probability(linearPredictor: eta),
                    score: scaling.score(linearPredictor: eta)))
            }
        }
        try writer.commit()
        return try ModelFile(
            modelId: "synthetic-applications", modelVersion: "1.0.0", target: .init(column: "default", event: "1"),
            model: generator.trueModel, scaling: scaling, training: nil, examples: examples
        ).sealed()
    }
}
