public import CreditEngine

/// Fits a logistic model on a training table and packages it as a sealed model file.
public enum Trainer {
    /// Identity and scaling of the model being fitted.
    public struct ModelIdentity: Sendable {
        /// Model identifier (`pd-german-credit`).
        public var modelId: String
        /// Semantic version (`1.0.0`).
        public var modelVersion: String
        /// Score scaling.
        public var scaling: ScoreScaling
        /// When the fit runs, ISO 8601 UTC; passed in so the library never reads the clock.
        public var fittedAt: String
        /// Training rows recorded as examples in the file (checked by `credit model validate`).
        public var exampleCount = 5

        /// Creates an identity.
        public init(modelId: String, modelVersion: String, scaling: ScoreScaling, fittedAt: String) {
            self.modelId = modelId
            self.modelVersion = modelVersion
            self.scaling = scaling
            self.fittedAt = fittedAt
        }
    }

    /// Fits `table` and returns the fit and its sealed model file.
    ///
    /// The file is returned whatever the fit's status; the caller decides whether a
    /// non-converged fit may be saved.
    /// - Throws: ``FitError`` for data that cannot be fitted, or ``MetricError`` when the training
    ///   scores are degenerate.
    public static func fit(
        _ table: TrainingTable, regression: LogisticRegression, identity: ModelIdentity
    ) throws -> (fit: LogisticFit, file: ModelFile) {
        let fit = try regression.fit(table.data)
        let metrics = try RankingMetrics(
            scores: fit.trainingLinearPredictors, events: table.data.events, weights: table.data.weights)
        let training = ModelFile.Training(
            dataSource: table.sourceName,
            dataSHA256: table.dataSHA256,
            rows: table.data.count,
            events: table.eventCount,
            fittedAt: identity.fittedAt,
            options: regression.options,
            report: fit.report,
            coefficients: fit.coefficients,
            metrics: ModelFile.Metrics(auc: metrics.auc, gini: metrics.gini, ks: metrics.ks)
        )
        let examples = (0..<min(identity.exampleCount, table.data.count)).map { row in
            var input: [String: FeatureValue] = [:]
            for feature in table.data.features {
                switch feature.values {
                case .numeric(let values): input[feature.name] = .number(values[row])
                case .categorical(let labels): input[feature.name] = .category(labels[row])
                }
            }
            let eta = fit.trainingLinearPredictors[row]
            return (input, eta)
        }
        var file = ModelFile(
            modelId: identity.modelId, modelVersion: identity.modelVersion, target: table.target,
            model: fit.model, scaling: identity.scaling, training: training, examples: []
        )
        // Examples record what the deterministic single-record path gives, the path the
        // service and `credit model validate` use.
        file.examples = try examples.map { input, _ in
            let values = fit.model.features.map { input[$0.name] ?? .missing }
            let eta = try fit.model.linearPredictor(values)
            return ModelFile.Example(
                input: input,
                probabilityOfDefault: LogisticModel.probability(linearPredictor: eta),
                score: identity.scaling.score(linearPredictor: eta)
            )
        }
        return (fit, try file.sealed())
    }

    /// Builds a scorecard on `table` (read with missing values allowed) and returns it with its
    /// sealed model file. Examples record total points, PD and up to four reason codes.
    /// - Throws: ``BinningError``, ``FitError``, ``ScorecardError`` or ``MetricError``.
    public static func fitScorecard(
        _ table: TrainingTable, builder: ScorecardBuilder, identity: ModelIdentity, spec: BinningSpec? = nil
    ) throws -> (fit: ScorecardFit, file: ModelFile) {
        let fit = try builder.fit(table.data, scaling: identity.scaling, spec: spec)
        let metrics = try RankingMetrics(scores: fit.trainingLinearPredictors, events: table.data.events, weights: table.data.weights)
        let training = ModelFile.Training(
            dataSource: table.sourceName, dataSHA256: table.dataSHA256, rows: table.data.count, events: table.eventCount,
            fittedAt: identity.fittedAt, options: builder.options.regression, report: fit.regression.report,
            coefficients: fit.regression.coefficients, metrics: ModelFile.Metrics(auc: metrics.auc, gini: metrics.gini, ks: metrics.ks))
        let names = fit.scorecard.characteristics.map(\.name)
        let examples = try (0..<min(identity.exampleCount, table.data.count)).map { row in
            var input: [String: FeatureValue] = [:]
            for feature in table.data.features where names.contains(feature.name) {
                switch feature.values {
                case .numeric(let values): input[feature.name] = values[row].isNaN ? .missing : .number(values[row])
                case .categorical(let labels): input[feature.name] = labels[row].isEmpty ? .missing : .category(labels[row])
                }
            }
            let result = try fit.scorecard.score(names.map { input[$0] ?? .missing })
            return ModelFile.Example(
                input: input, probabilityOfDefault: result.probabilityOfDefault, score: Double(result.totalPoints),
                reasons: result.reasons.map(\.code))
        }
        let file = ModelFile(
            modelId: identity.modelId, modelVersion: identity.modelVersion, target: table.target,
            scorecard: fit.scorecard, training: training, examples: examples)
        return (fit, try file.sealed())
    }
}
