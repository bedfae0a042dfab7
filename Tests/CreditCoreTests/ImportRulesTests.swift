import CreditTestSupport
import Foundation
import Testing

/// The dependency direction of the package, enforced: each target may import only what its row
/// allows, and pure targets may not touch files, processes, the environment or the clock.
@Suite("Import rules")
struct ImportRulesTests {
    static let allowed: [String: Set<String>] = [
        "CreditLinearAlgebra": ["CLAPACK"],
        "CreditCore": [],
        "CreditStats": ["CreditCore", "RealModule"],
        "CreditModels": ["CreditCore", "CreditStats", "CreditLinearAlgebra", "RealModule"],
        "CreditAudit": ["CreditCore", "Crypto", "FoundationEssentials"],
        "CreditRules": ["CreditCore", "CreditAudit", "RealModule", "FoundationEssentials"],
        "CreditEngine": ["CreditCore", "CreditStats", "CreditModels", "CreditAudit", "CreditRules", "FoundationEssentials"],
        "CreditCSV": ["CreditCore", "Glibc"],
        "CreditSQLite": ["CreditCore", "GRDB", "Glibc"],
        "CreditBatch": ["CreditEngine", "CreditCore", "CreditCSV", "CreditSQLite", "CreditAudit", "FoundationEssentials"],
        "CreditStore": ["CreditCore", "CreditAudit", "GRDB", "Crypto", "Foundation", "Glibc", "Synchronization", "PostgresNIO", "NIOSSL", "Logging"],
        "CreditAMQP": ["NIOCore", "NIOPosix", "Logging", "Foundation", "Synchronization"],
        "CreditInterchange": ["CreditEngine", "CreditCore", "RealModule", "FoundationEssentials", "Foundation", "FoundationXML"],
        "CreditServer": ["CreditEngine", "CreditBatch", "CreditAMQP", "CreditStore", "CreditAudit", "Hummingbird", "HTTPTypes", "Logging", "Metrics", "Prometheus",
                         "ServiceLifecycle", "UnixSignals", "Crypto", "Foundation", "Synchronization", "HummingbirdCore", "NIOCore", "NIOHTTP1", "NIOHTTPTypes", "JWTKit", "NIOSSL"],
        "credit": ["CreditBatch", "CreditCore", "CreditInterchange", "CreditServer", "CreditStore", "CreditCSV", "CreditSQLite", "CreditEngine", "Logging", "Metrics", "Prometheus", "ArgumentParser", "Foundation",
                   "CGlibcMalloc"],
    ]

    static let pureTargets = ["CreditLinearAlgebra", "CreditCore", "CreditStats", "CreditModels", "CreditAudit", "CreditRules", "CreditEngine"]
    static let forbiddenInPureTargets = ["FileManager", "FileHandle", "Process(", "URLSession", "fopen", "getenv", "Date()", "Date.now", "import Glibc", "import Foundation\n"]

    private func sources(of target: String) -> [(name: String, text: String)] {
        let directory = RepositoryPaths.root.appendingPathComponent("Sources/\(target)")
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return files.compactMap { file in
            (try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)).map { (file, $0) }
        }
    }

    @Test("every import is on its target's allow-list", arguments: Array(allowed.keys))
    func importsAllowed(target: String) {
        let files = sources(of: target)
        #expect(!files.isEmpty, "no sources found for \(target)")
        for (name, text) in files {
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let importIndex = words.firstIndex(of: "import"), importIndex + 1 < words.count,
                    words[..<importIndex].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "package" || $0 == "internal" })
                else { continue }
                let module = String(words[importIndex + 1])
                #expect(Self.allowed[target]!.contains(module), "\(target)/\(name) imports \(module)")
            }
        }
    }

    @Test("pure targets touch no files, processes, environment or clock", arguments: pureTargets)
    func pureTargetsArePure(target: String) {
        for (name, text) in sources(of: target) {
            for forbidden in Self.forbiddenInPureTargets {
                #expect(!text.contains(forbidden), "\(target)/\(name) uses \(forbidden)")
            }
        }
    }
}
