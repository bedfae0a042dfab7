/// One input value for a model feature, as read from a file or a request.
public enum FeatureValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A number (for numeric features). Must be finite to be scored.
    case number(Double)
    /// A category label (for categorical features).
    case category(String)
    /// No value (an empty CSV cell or a JSON `null`).
    case missing

    /// Decodes a JSON number, string or `null`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .missing
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .category(try container.decode(String.self))
        }
    }

    /// Encodes as a JSON number, string or `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .category(let label): try container.encode(label)
        case .missing: try container.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case .number(let value): return "\(value)"
        case .category(let label): return label
        case .missing: return "<missing>"
        }
    }
}
