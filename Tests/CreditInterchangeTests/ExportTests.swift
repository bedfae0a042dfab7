import CreditEngine
import CreditInterchange
import CreditTestSupport
import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import Testing

private let shippedModels = ["pd-german-credit", "pd-german-credit-scorecard"]

private func bundle(_ name: String) throws -> ModelBundle {
    let path = RepositoryPaths.path("models/\(name)/1.0.0/model.json")
    return try ModelBundle(jsonData: try Data(contentsOf: URL(fileURLWithPath: path)), source: path)
}

/// The fixture `benchmarks/peers/export_parity.py` wrote: rows scored by jpmml-evaluator from the
/// exported PMML, with that PMML's SHA-256.
private struct ParityFixture: Decodable {
    struct Answer: Decodable {
        var probability_of_default: Double
        var score: Double
        var reason_1: String?
        var reason_2: String?
        var reason_3: String?
        var reason_4: String?
        var reasons: [String] { [reason_1, reason_2, reason_3, reason_4].compactMap { $0 } }
    }

    struct Row: Decodable {
        var input: [String: FeatureValue]
        var jpmml: Answer?
    }

    struct Model: Decodable {
        var pmmlSHA256: String
        var rows: [Row]
    }

    var provenance: [String: FeatureValue]
    var models: [String: Model]

    static func load() throws -> ParityFixture {
        let url = try #require(Bundle.module.url(forResource: "export_parity", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(ParityFixture.self, from: Data(contentsOf: url))
    }
}

/// Collects the element names, namespace and errors of a document.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var names: [String] = []
    var namespace: String?
    var attributes: [[String: String]] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if names.isEmpty { namespace = namespaceURI }
        names.append(name)
        self.attributes.append(attributes)
    }
}

private func parse(_ document: String) -> (ok: Bool, collector: ElementCollector) {
    let parser = XMLParser(data: Data(document.utf8))
    parser.shouldProcessNamespaces = true
    let collector = ElementCollector()
    parser.delegate = collector
    return (parser.parse(), collector)
}

@Suite("PMML export: well-formed PMML 4.4 that jpmml-evaluator scores as credit score does")
struct PMMLExportTests {
    @Test("the export is well-formed XML in the PMML 4.4 namespace, with the model's element, outputs and verification", arguments: shippedModels)
    func wellFormed(name: String) throws {
        let file = try bundle(name).file
        let document = try PMMLExporter.document(for: file)
        let (ok, collector) = parse(document)
        #expect(ok)
        #expect(collector.namespace == "http://www.dmg.org/PMML-4_4")
        #expect(collector.attributes.first?["version"] == "4.4")
        let model = file.scorecard == nil ? "RegressionModel" : "Scorecard"
        #expect(collector.names.contains(model))
        #expect(collector.names.filter { $0 == "row" }.count == file.examples.count)
        let outputs = zip(collector.names, collector.attributes).filter { $0.0 == "OutputField" }.compactMap { $0.1["name"] }
        #expect(outputs.contains("probability_of_default"))
        if file.scorecard != nil {
            #expect(Set(["reason_1", "reason_2", "reason_3", "reason_4"]).isSubset(of: Set(outputs)))
            // Every characteristic's best bin less ½: a characteristic at its best bin gives no reason code.
            let baselines = zip(collector.names, collector.attributes).filter { $0.0 == "Characteristic" }.compactMap { $0.1["baselineScore"] }
            #expect(baselines.count == file.scorecard?.characteristics.count)
            #expect(zip(baselines, file.scorecard?.characteristics ?? []).allSatisfy { Double($0) == Double($1.maxPoints) - 0.5 })
        }
    }

    @Test("the exported PMML is the one jpmml-evaluator scored, and credit scores each of its rows as jpmml did", arguments: shippedModels)
    func agreesWithJPMML(name: String) throws {
        let fixture = try ParityFixture.load()
        let recorded = try #require(fixture.models[name])
        let model = try bundle(name)
        let document = try PMMLExporter.document(for: model.file)
        // A change to the exporter must regenerate the fixture (benchmarks/peers/export_parity.py).
        #expect(SHA256.hash(data: Data(document.utf8)).map { String(format: "%02x", $0) }.joined() == recorded.pmmlSHA256)
        #expect(recorded.rows.count >= 100)
        var refused = 0
        for row in recorded.rows {
            let mine = try? model.score(row.input)
            #expect((mine == nil) == (row.jpmml == nil), "\(row.input)")
            guard let mine, let peer = row.jpmml else {
                refused += 1
                continue
            }
            // Tolerance 1e-12 relative (as the fixture's provenance states).
            #expect(isClose(mine.probabilityOfDefault, peer.probability_of_default, relative: 1e-12))
            if model.file.scorecard != nil {
                #expect(mine.score == peer.score)
                #expect(mine.reasons.map(\.code) == peer.reasons)
            } else {
                #expect(isClose(mine.score, peer.score, relative: 1e-12))
            }
        }
        if name == "pd-german-credit" { #expect(refused > 0, "the fixture must hold rows both refuse") }
    }

    @Test("labels with XML's special characters survive; a control character is refused with the path")
    func hostileLabels() throws {
        var file = try bundle("pd-german-credit-scorecard").file
        var characteristic = try #require(file.scorecard?.characteristics[0])
        characteristic.binning.bins[0].values = .categories(["<&>\"' \t tab", "ünï ✓"])
        file.scorecard?.characteristics[0] = characteristic
        let document = try PMMLExporter.document(for: file)
        let (ok, collector) = parse(document)
        #expect(ok)
        let values = zip(collector.names, collector.attributes).filter { $0.0 == "Value" }.compactMap { $0.1["value"] }
        #expect(values.contains("<&>\"' \t tab") && values.contains("ünï ✓"))
        characteristic.binning.bins[0].values = .categories(["bell\u{7}"])
        file.scorecard?.characteristics[0] = characteristic
        #expect(throws: InterchangeError.self) { try PMMLExporter.document(for: file) }
    }
}

@Suite("SQL export: one SELECT that SQLite runs to credit score's numbers")
struct SQLExportTests {
    /// Runs the SQLite export of `model` over `rows` (numeric columns REAL, missing values NULL).
    private func runSQLite(_ model: ModelBundle, rows: [[String: FeatureValue]]) throws -> [Row] {
        let names = model.model.features.map(\.name)
        let queue = try DatabaseQueue()
        let query = try SQLExporter.query(for: model.file, dialect: .sqlite, table: "applications", keep: ["id"])
        return try queue.write { db in
            let columns = (["id INTEGER"] + names.enumerated().map { index, name in
                "\"\(name)\" \(model.model.features[index].isNumeric ? "REAL" : "TEXT")"
            }).joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE applications (\(columns))")
            for (index, row) in rows.enumerated() {
                let values: [(any DatabaseValueConvertible)?] = [index] + names.map { name -> (any DatabaseValueConvertible)? in
                    switch row[name] ?? .missing {
                    case .number(let number): return number
                    case .category(let label): return label
                    case .missing: return nil
                    }
                }
                try db.execute(sql: "INSERT INTO applications VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))",
                               arguments: StatementArguments(values))
            }
            return try Row.fetchAll(db, sql: query)
        }
    }

    @Test("SQLite gives credit score's PD (1e-12), score (exactly, for scorecards), reasons, and NULL where it rejects", arguments: shippedModels)
    func sqliteAgrees(name: String) throws {
        let model = try bundle(name)
        let rows = try #require(try ParityFixture.load().models[name]).rows.map(\.input)
        let results = try runSQLite(model, rows: rows)
        #expect(results.count == rows.count)
        for result in results {
            let index: Int = result["id"]
            let mine = try? model.score(rows[index])
            let pd: Double? = result["probability_of_default"]
            let score: Double? = result["score"]
            #expect((mine == nil) == (score == nil), "row \(index)")
            guard let mine, let pd, let score else { continue }
            #expect(isClose(mine.probabilityOfDefault, pd, relative: 1e-12))
            if model.file.scorecard != nil {
                #expect(mine.score == score)
                let reasons = (1...4).compactMap { rank -> String? in result["reason_\(rank)"] }
                #expect(mine.reasons.map(\.code) == reasons, "row \(index)")
            } else {
                #expect(isClose(mine.score, score, relative: 1e-12))
            }
        }
    }

    @Test("identifiers and labels are quoted per dialect, so a quote in a name or label cannot end the literal")
    func quoting() throws {
        var file = try bundle("pd-german-credit-scorecard").file
        var characteristic = try #require(file.scorecard?.characteristics[0])
        characteristic.binning.name = "odd\"name`x"
        characteristic.binning.bins[0].values = .categories(["it's \\ here"])
        file.scorecard?.characteristics[0] = characteristic
        let sqlite = try SQLExporter.query(for: file, dialect: .sqlite, table: "apps", keep: ["id"])
        #expect(sqlite.contains("\"odd\"\"name`x\"") && sqlite.contains("'it''s \\ here'"))
        let spark = try SQLExporter.query(for: file, dialect: .spark, table: "apps", keep: ["id"])
        #expect(spark.contains("`odd\"name``x`") && spark.contains("'it''s \\\\ here'"))
        let postgres = try SQLExporter.query(for: file, dialect: .postgresql, table: "apps", keep: ["id"])
        #expect(postgres.contains("AS DOUBLE PRECISION)"))
        // SQLite runs the query with the odd name.
        let queue = try DatabaseQueue()
        try queue.write { db in
            let names = file.scorecard!.characteristics.map { "\"\($0.name.replacingOccurrences(of: "\"", with: "\"\""))\" TEXT" }
            try db.execute(sql: "CREATE TABLE apps (id INTEGER, \(names.joined(separator: ", ")))")
            _ = try Row.fetchAll(db, sql: sqlite)
        }
    }
}
