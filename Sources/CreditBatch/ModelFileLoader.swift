public import CreditCSV
public import CreditEngine
public import FoundationEssentials

/// Reads a model file from disk and validates it.
public enum ModelFileLoader {
    /// Loads and validates the model file at `path`.
    /// - Throws: ``CreditEngine/ModelLoadError`` naming the file and the JSON path of the problem.
    public static func load(path: String) throws(ModelLoadError) -> ModelBundle {
        let name = DocumentFile.name(of: path)
        let bytes: Data
        do { bytes = try DocumentFile.read(path: path) } catch {
            throw ModelLoadError(source: name, path: "", problem: "cannot be read: \(error)")
        }
        return try ModelBundle(jsonData: bytes, source: name)
    }
}

/// Reads a policy file from disk and validates it.
public enum PolicyFileLoader {
    /// Loads, type-checks and verifies the digest of the policy file at `path`.
    /// - Throws: ``CreditRules/PolicyLoadError`` naming the file, JSON path, rule and column.
    public static func load(path: String) throws(PolicyLoadError) -> Policy {
        let name = DocumentFile.name(of: path)
        let bytes: Data
        do { bytes = try DocumentFile.read(path: path) } catch {
            throw PolicyLoadError(source: name, path: "", problem: "cannot be read: \(error)")
        }
        return try Policy(jsonData: bytes, source: name)
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
