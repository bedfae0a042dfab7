public import CreditCSV
public import CreditEngine
public import FoundationEssentials

/// Reads a model file from disk and validates it.
public enum ModelFileLoader {
    /// Loads and validates the model file at `path`.
    /// - Throws: ``CreditCSV/CSVError`` when the file cannot be opened or read (a missing file is
    ///   ``CreditCSV/CSVError/cannotOpen(path:reason:)``); ``CreditEngine/ModelLoadError`` naming
    ///   the file and the JSON path of a problem in its content.
    public static func load(path: String) throws -> ModelBundle {
        try ModelBundle(jsonData: try DocumentFile.read(path: path), source: DocumentFile.name(of: path))
    }
}

/// Reads a policy file from disk and validates it.
public enum PolicyFileLoader {
    /// Loads, type-checks and verifies the digest of the policy file at `path`.
    /// - Throws: ``CreditCSV/CSVError`` when the file cannot be opened or read;
    ///   ``CreditRules/PolicyLoadError`` naming the file, JSON path, rule and column of a problem
    ///   in its content.
    public static func load(path: String) throws -> Policy {
        try Policy(jsonData: try DocumentFile.read(path: path), source: DocumentFile.name(of: path))
    }
}

/// Whole-file reads of small JSON documents.
public enum DocumentFile {
    /// The last path component, used to name the file in errors.
    public static func name(of path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The bytes of the file at `path`.
    public static func read(path: String) throws(CSVError) -> Data {
        var bytes: [UInt8] = []
        let source = try FileByteSource(path: path)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        do {
            while true {
                let count = try chunk.withUnsafeMutableBytes { buffer throws(CSVError) in try source.read(into: buffer) }
                if count == 0 { break }
                bytes.append(contentsOf: chunk[0..<count])
            }
        } catch let error as CSVError {
            throw error
        } catch {
            throw .readFailed(source: path, reason: "\(error)")
        }
        return Data(bytes)
    }
}
