import CreditCSV
public import CreditEngine
import FoundationEssentials

/// Reads a model file from disk and validates it.
public enum ModelFileLoader {
    /// Loads and validates the model file at `path`.
    /// - Throws: ``CreditEngine/ModelLoadError`` naming the file and the JSON path of the problem.
    public static func load(path: String) throws(ModelLoadError) -> ModelBundle {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var bytes: [UInt8] = []
        do {
            let source = try FileByteSource(path: path)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = try chunk.withUnsafeMutableBytes { buffer throws(CSVError) in try source.read(into: buffer) }
                if count == 0 { break }
                bytes.append(contentsOf: chunk[0..<count])
            }
        } catch {
            throw ModelLoadError(source: name, path: "", problem: "cannot be read: \(error)")
        }
        return try ModelBundle(jsonData: Data(bytes), source: name)
    }
}
