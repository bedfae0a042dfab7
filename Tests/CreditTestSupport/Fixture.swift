public import Foundation

/// A reference fixture produced by a peer tool, loaded only when it says where it came from.
///
/// Every fixture is a JSON object with a `provenance` object naming the tool versions
/// (`producedBy`), the `script` and exact `command` that wrote it, the `dataset` and the
/// `tolerance` the tests apply. A fixture without them is refused.
public struct Fixture {
    /// The whole JSON object.
    public let object: [String: Any]
    /// The `provenance.tolerance` object.
    public let tolerance: [String: Any]

    /// Errors when a fixture cannot be used.
    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case missingProvenance(String, key: String)

        public var description: String {
            switch self {
            case .unreadable(let name): return "fixture \(name) is missing or not a JSON object"
            case .missingProvenance(let name, let key): return "fixture \(name) has no provenance.\(key); refusing it"
            }
        }
    }

    /// Loads the fixture at `url`.
    /// - Throws: ``LoadError`` when it is unreadable or lacks provenance.
    public init(url: URL?) throws {
        let name = url?.lastPathComponent ?? "<missing>"
        guard let url, let data = try? Data(contentsOf: url),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw LoadError.unreadable(name) }
        guard let provenance = object["provenance"] as? [String: Any] else { throw LoadError.missingProvenance(name, key: "") }
        for key in ["producedBy", "script", "command", "dataset", "tolerance"] where provenance[key] == nil {
            throw LoadError.missingProvenance(name, key: key)
        }
        guard let tolerance = provenance["tolerance"] as? [String: Any] else { throw LoadError.missingProvenance(name, key: "tolerance") }
        self.object = object
        self.tolerance = tolerance
    }

    /// The numbers under `key`.
    public func numbers(_ key: String) -> [Double] { (object[key] as? [NSNumber])?.map(\.doubleValue) ?? [] }

    /// The number under `key`.
    public func number(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? .nan }

    /// The strings under `key`.
    public func strings(_ key: String) -> [String] { object[key] as? [String] ?? [] }

    /// The (relative, absolute) tolerance stated for `quantity`.
    public func tolerance(for quantity: String) -> (relative: Double, absolute: Double) {
        let entry = tolerance[quantity] as? [String: Any] ?? [:]
        return ((entry["relative"] as? NSNumber)?.doubleValue ?? 0, (entry["absolute"] as? NSNumber)?.doubleValue ?? 0)
    }
}
