/// Training data or options that cannot be fitted at all. Problems found while iterating
/// (separation, collinearity) are ``FitReport/Status`` values instead.
public enum FitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There are no observations or no features.
    case emptyData
    /// A feature or weight column has a different length than the outcomes.
    case lengthMismatch(column: String, expected: Int, found: Int)
    /// Two features have the same name.
    case duplicateFeature(String)
    /// A numeric value is NaN or infinite (0-based observation index).
    case nonFiniteValue(feature: String, index: Int)
    /// A weight is negative, NaN or infinite (0-based observation index).
    case invalidWeight(index: Int)
    /// Every observation has the same outcome, so there is nothing to discriminate.
    case singleClass(allEvents: Bool)
    /// A feature has one distinct value; with the intercept its coefficient is not identifiable.
    case constantFeature(String)
    /// The design needs more memory than allowed.
    case designTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .emptyData:
            return "no observations or no features to fit"
        case .lengthMismatch(let column, let expected, let found):
            return "column '\(column)' has \(found) values, expected \(expected)"
        case .duplicateFeature(let name):
            return "feature '\(name)' appears twice"
        case .nonFiniteValue(let feature, let index):
            return "feature '\(feature)' is NaN or infinite at observation \(index + 1)"
        case .invalidWeight(let index):
            return "weight at observation \(index + 1) is negative, NaN or infinite"
        case .singleClass(let allEvents):
            return "every observation is \(allEvents ? "an event" : "a non-event"); both outcomes are needed to fit"
        case .constantFeature(let name):
            return "feature '\(name)' is constant; it cannot be estimated next to the intercept, remove it"
        case .designTooLarge(let bytes, let limit):
            return "the design matrix needs \(bytes) bytes, more than the limit of \(limit)"
        }
    }
}
