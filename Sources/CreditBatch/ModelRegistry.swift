import CreditEngine
import FoundationEssentials

/// The versioned model and policy files under `models/<id>/<version>/`, each with a `CARD.md`
/// whose `| Status |` row says `draft`, `approved` or `retired`.
public enum ModelRegistry {
    /// One registered version.
    public struct Entry: Sendable {
        public var id: String
        public var version: String
        /// `logisticRegression`, `scorecard` or `policy`.
        public var kind: String
        /// `draft`, `approved`, `retired`, or `unknown` without a card.
        public var status: String
        public var path: String
        /// The verified content digest, or nil when the file does not load.
        public var sha256: String?
        /// Why the file does not load, or which recorded examples no longer score as recorded.
        public var problems: [String]
        /// Training rows and events (models).
        public var training: (rows: Int, events: Int, data: String)?
    }

    static let statuses: Set<String> = ["draft", "approved", "retired"]

    /// Every version under `root`, sorted by id and version; each file loaded and checked.
    public static func scan(root: String) -> [Entry] {
        let manager = FileManager.default
        var entries: [Entry] = []
        for id in ((try? manager.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let idPath = "\(root)/\(id)"
            for version in ((try? manager.contentsOfDirectory(atPath: idPath)) ?? []).sorted() {
                let directory = "\(idPath)/\(version)"
                let status = cardStatus(directory)
                if manager.fileExists(atPath: "\(directory)/model.json") {
                    let path = "\(directory)/model.json"
                    do {
                        let bundle = try ModelFileLoader.load(path: path)
                        var problems = bundle.failingExamples().map { "examples[\($0.index)]: \($0.problem)" }
                        if bundle.file.modelId != id || bundle.file.modelVersion != version {
                            problems.append("the file says \(bundle.reference), its folder \(id)/\(version)")
                        }
                        entries.append(Entry(
                            id: id, version: version, kind: bundle.file.kind, status: status, path: path, sha256: bundle.contentSHA256,
                            problems: problems,
                            training: bundle.file.training.map { ($0.rows, $0.events, $0.dataSource) }))
                    } catch {
                        entries.append(Entry(id: id, version: version, kind: "model", status: status, path: path, sha256: nil,
                                             problems: ["\(error)"], training: nil))
                    }
                } else if manager.fileExists(atPath: "\(directory)/policy.json") {
                    let path = "\(directory)/policy.json"
                    do {
                        let policy = try PolicyFileLoader.load(path: path)
                        var problems: [String] = []
                        if policy.file.policyId != id || policy.file.policyVersion != version {
                            problems.append("the file says \(policy.reference), its folder \(id)/\(version)")
                        }
                        entries.append(Entry(id: id, version: version, kind: "policy", status: status, path: path,
                                             sha256: policy.file.contentSHA256, problems: problems, training: nil))
                    } catch {
                        entries.append(Entry(id: id, version: version, kind: "policy", status: status, path: path, sha256: nil,
                                             problems: ["\(error)"], training: nil))
                    }
                }
            }
        }
        return entries
    }

    /// The first word of the card's `| Status |` row if it is a known status.
    static func cardStatus(_ directory: String) -> String {
        guard let card = try? String(contentsOfFile: "\(directory)/CARD.md", encoding: .utf8) else { return "unknown" }
        for line in card.split(whereSeparator: \.isNewline) where line.hasPrefix("| Status |") {
            let word = line.dropFirst("| Status |".count).drop { $0 == " " }.prefix { $0.isLetter }.lowercased()
            return statuses.contains(word) ? word : "unknown"
        }
        return "unknown"
    }
}
