import FoundationEssentials

/// A model file that cannot be used, with the JSON path of the first problem.
public struct ModelLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or document name.
    public var source: String
    /// The JSON path, e.g. `model.features[3].coefficient`; empty for the whole document.
    public var path: String
    /// What is wrong, for the person who must fix the file.
    public var problem: String

    /// Creates an error.
    public init(source: String, path: String, problem: String) {
        self.source = source
        self.path = path
        self.problem = problem
    }

    /// Maps a decoding error to its JSON path and a plain description.
    init(source: String, decoding error: DecodingError) {
        func render(_ codingPath: [any CodingKey]) -> String {
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
        self.source = source
        switch error {
        case .keyNotFound(let key, let context):
            let parent = render(context.codingPath)
            self.path = parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)"
            self.problem = "is required but missing"
        case .typeMismatch(let type, let context):
            self.path = render(context.codingPath)
            self.problem = "has the wrong type (expected \(Self.typeName(type)))"
        case .valueNotFound(let type, let context):
            self.path = render(context.codingPath)
            self.problem = "is null (expected \(Self.typeName(type)))"
        case .dataCorrupted(let context):
            self.path = render(context.codingPath)
            self.problem = context.codingPath.isEmpty ? "is not valid JSON" : context.debugDescription
        @unknown default:
            self.path = ""
            self.problem = "cannot be decoded"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }

    public var description: String {
        path.isEmpty ? "\(source): \(problem)" : "\(source): \(path): \(problem)"
    }
}
