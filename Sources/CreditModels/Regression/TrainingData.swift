/// Observations to fit a model on: named feature columns, binary outcomes and optional weights.
///
/// Columns hold complete data: fitting refuses NaN, infinities and mismatched lengths, so an
/// adapter must decide what to do with missing values before building this value.
public struct TrainingData: Sendable {
    /// One named column of the design.
    public struct Feature: Sendable {
        /// The column name, as in the input header and the model file.
        public var name: String
        /// The column's values, one per observation.
        public var values: Values

        /// Creates a feature column.
        public init(name: String, values: Values) {
            self.name = name
            self.values = values
        }
    }

    /// The values of one column.
    public enum Values: Sendable {
        /// Numbers, used as they are (one design column).
        case numeric([Double])
        /// Category labels, one-hot encoded against the first level in byte order (the reference).
        case categorical([String])

        var count: Int {
            switch self {
            case .numeric(let values): return values.count
            case .categorical(let labels): return labels.count
            }
        }
    }

    /// Feature columns, in model order.
    public var features: [Feature]
    /// `true` where the observation is an event (a default).
    public var events: [Bool]
    /// Optional non-negative frequency weights, one per observation.
    public var weights: [Double]?

    /// Creates training data.
    public init(features: [Feature], events: [Bool], weights: [Double]? = nil) {
        self.features = features
        self.events = events
        self.weights = weights
    }

    /// Number of observations.
    public var count: Int { events.count }
}
