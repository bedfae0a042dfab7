import FoundationEssentials

/// The versioned JSON document that ships a fitted model (`models/<id>/<version>/model.json`).
///
/// Schema version 1. Every field is validated on load by ``ModelBundle/init(jsonData:source:)``;
/// `contentSHA256` is the SHA-256 of the canonical JSON of the document without that field, so
/// any edit after fitting is detected.
public struct ModelFile: Sendable, Equatable, Codable {
    /// The outcome the model predicts.
    public struct Target: Sendable, Equatable, Codable {
        /// The outcome column in training data.
        public var column: String
        /// The value of that column that marks an event (a default), e.g. `bad` or `1`.
        public var event: String

        /// Creates a target.
        public init(column: String, event: String) {
            self.column = column
            self.event = event
        }
    }

    /// Discrimination on the training data.
    public struct Metrics: Sendable, Equatable, Codable {
        /// Area under the ROC curve.
        public var auc: Double
        /// Gini, `2·AUC − 1`.
        public var gini: Double
        /// Kolmogorov-Smirnov statistic.
        public var ks: Double

        /// Creates metrics.
        public init(auc: Double, gini: Double, ks: Double) {
            self.auc = auc
            self.gini = gini
            self.ks = ks
        }
    }

    /// How, when and on what the model was fitted.
    public struct Training: Sendable, Equatable, Codable {
        /// The training file's name (no directory).
        public var dataSource: String
        /// SHA-256 of the training file's bytes.
        public var dataSHA256: String
        /// Observations used.
        public var rows: Int
        /// Events (defaults) among them.
        public var events: Int
        /// When the fit ran, ISO 8601 UTC (`2026-11-24T10:00:00Z`).
        public var fittedAt: String
        /// The fit options.
        public var options: IRLSOptions
        /// How the fit ended.
        public var report: FitReport
        /// Estimates with standard errors, intercept first.
        public var coefficients: [CoefficientEstimate]
        /// Training-data discrimination.
        public var metrics: Metrics

        /// Creates a training record.
        public init(
            dataSource: String, dataSHA256: String, rows: Int, events: Int, fittedAt: String,
            options: IRLSOptions, report: FitReport, coefficients: [CoefficientEstimate], metrics: Metrics
        ) {
            self.dataSource = dataSource
            self.dataSHA256 = dataSHA256
            self.rows = rows
            self.events = events
            self.fittedAt = fittedAt
            self.options = options
            self.report = report
            self.coefficients = coefficients
            self.metrics = metrics
        }
    }

    /// A recorded input and the outputs the model must give for it (checked by `credit model validate`).
    public struct Example: Sendable, Equatable, Codable {
        /// Feature values by name.
        public var input: [String: FeatureValue]
        /// The recorded probability of default.
        public var probabilityOfDefault: Double
        /// The recorded score.
        public var score: Double
        /// The recorded reason codes (scorecards; at most 4).
        public var reasons: [String]?

        /// Creates an example.
        public init(input: [String: FeatureValue], probabilityOfDefault: Double, score: Double, reasons: [String]? = nil) {
            self.input = input
            self.probabilityOfDefault = probabilityOfDefault
            self.score = score
            self.reasons = reasons
        }
    }

    /// The model-file schema version this engine reads and writes.
    public static let currentSchemaVersion = 1

    /// Schema version of the document.
    public var schemaVersion: Int
    /// Model identifier: lowercase letters, digits and hyphens (`pd-german-credit`).
    public var modelId: String
    /// Semantic version `MAJOR.MINOR.PATCH`.
    public var modelVersion: String
    /// The model family: `logisticRegression` (with `model`) or `scorecard` (with `scorecard`).
    public var kind: String
    /// The predicted outcome.
    public var target: Target
    /// Coefficients and feature policies (`logisticRegression`).
    public var model: LogisticModel?
    /// Characteristics, bins, points and reasons (`scorecard`).
    public var scorecard: Scorecard?
    /// Score scaling.
    public var scaling: ScoreScaling
    /// Training provenance; `nil` for a model CreditEngine did not fit (a generated true model,
    /// or one imported from elsewhere).
    public var training: Training?
    /// Example cases with recorded outputs.
    public var examples: [Example]
    /// SHA-256 of the canonical JSON of this document without this field.
    public var contentSHA256: String?

    /// Creates a logistic-regression document; ``sealed()`` fills in the digest.
    public init(
        modelId: String, modelVersion: String, target: Target, model: LogisticModel,
        scaling: ScoreScaling, training: Training?, examples: [Example]
    ) {
        self.init(modelId: modelId, modelVersion: modelVersion, kind: "logisticRegression", target: target,
                  model: model, scorecard: nil, scaling: scaling, training: training, examples: examples)
    }

    /// Creates a scorecard document; ``sealed()`` fills in the digest.
    public init(
        modelId: String, modelVersion: String, target: Target, scorecard: Scorecard, training: Training?, examples: [Example]
    ) {
        self.init(modelId: modelId, modelVersion: modelVersion, kind: "scorecard", target: target,
                  model: nil, scorecard: scorecard, scaling: scorecard.scaling, training: training, examples: examples)
    }

    private init(
        modelId: String, modelVersion: String, kind: String, target: Target, model: LogisticModel?, scorecard: Scorecard?,
        scaling: ScoreScaling, training: Training?, examples: [Example]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.modelId = modelId
        self.modelVersion = modelVersion
        self.kind = kind
        self.target = target
        self.model = model
        self.scorecard = scorecard
        self.scaling = scaling
        self.training = training
        self.examples = examples
        self.contentSHA256 = nil
    }
}
