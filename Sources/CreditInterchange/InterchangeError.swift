/// A model that cannot be written in, or read from, another format.
public enum InterchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something the target (or source) format cannot represent, at `path` (a JSON path of the
    /// model file on export, an element path of the PMML on import).
    case unsupported(path: String, detail: String)

    public var description: String {
        switch self {
        case .unsupported(let path, let detail): return "\(path): \(detail)"
        }
    }
}
