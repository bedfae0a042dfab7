/// A JSON decoding error as a document path (`rules[3].when`) and a plain description, for the
/// person who must fix the file.
public struct DecodingProblem: Sendable, Equatable {
    /// The JSON path of the problem; empty for the whole document.
    public var path: String
    /// What is wrong.
    public var problem: String

    /// Maps a decoding error to its path and description.
    public init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = Self.render(context.codingPath)
            path = parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)"
            problem = "is required but missing"
        case .typeMismatch(let type, let context):
            path = Self.render(context.codingPath)
            problem = "has the wrong type (expected \(Self.typeName(type)))"
        case .valueNotFound(let type, let context):
            path = Self.render(context.codingPath)
            problem = "is null (expected \(Self.typeName(type)))"
        case .dataCorrupted(let context):
            path = Self.render(context.codingPath)
            problem = context.codingPath.isEmpty ? "is not valid JSON" : context.debugDescription
        @unknown default:
            path = ""
            problem = "cannot be decoded"
        }
    }

    /// `a.b[2].c` for a coding path.
    public static func render(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
