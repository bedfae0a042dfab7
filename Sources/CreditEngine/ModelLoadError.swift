import CreditCore
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
        let problem = DecodingProblem(error)
        self.init(source: source, path: problem.path, problem: problem.problem)
    }

    public var description: String {
        path.isEmpty ? "\(source): \(problem)" : "\(source): \(path): \(problem)"
    }
}
