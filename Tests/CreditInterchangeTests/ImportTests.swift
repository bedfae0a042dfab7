import CreditEngine
import CreditInterchange
import CreditTestSupport
import Foundation
import Testing

private func shipped(_ name: String) throws -> ModelBundle {
    let path = RepositoryPaths.path("models/\(name)/1.0.0/model.json")
    return try ModelBundle(jsonData: try Data(contentsOf: URL(fileURLWithPath: path)), source: path)
}

/// Seals and loads `file` as every model file is loaded.
private func load(_ file: ModelFile) throws -> ModelBundle {
    try ModelBundle(jsonData: try file.prettyJSON(), source: "imported.json")
}

@Suite("PMML import: what round-trips is read back exactly; the rest is refused with its element path")
struct PMMLImportTests {
    @Test("export then import scores every fixture row bit for bit as the original", arguments: ["pd-german-credit", "pd-german-credit-scorecard"])
    func roundTrip(name: String) throws {
        let original = try shipped(name)
        let imported = try load(try PMMLImporter.modelFile(from: Data(try PMMLExporter.document(for: original.file).utf8)))
        #expect(imported.reference == original.reference)
        #expect(imported.file.kind == original.file.kind && imported.file.target == original.file.target && imported.file.scaling == original.file.scaling)
        #expect(imported.file.examples.count == original.file.examples.count)
        #expect(imported.failingExamples(tolerance: 0).isEmpty)
        let url = try #require(Bundle.module.url(forResource: "export_parity", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let rows = try #require(((fixture["models"] as? [String: Any])?[name] as? [String: Any])?["rows"] as? [[String: Any]])
        for row in rows {
            let input = try JSONDecoder().decode([String: FeatureValue].self, from: JSONSerialization.data(withJSONObject: row["input"] as Any))
            let mine = try? original.score(input)
            let theirs = try? imported.score(input)
            #expect(mine == theirs, "\(input)")
        }
        if let scorecard = original.file.scorecard {
            #expect(imported.file.scorecard?.characteristics.map(\.reason) == scorecard.characteristics.map(\.reason))
        }
    }

    /// The shipped scorecard's PMML with `edit` applied.
    private func editedScorecard(_ edit: (String) -> String) throws -> Data {
        Data(edit(try PMMLExporter.document(for: try shipped("pd-german-credit-scorecard").file)).utf8)
    }

    @Test("what cannot be represented is refused, naming the element", arguments: [
        ("non-integer points", "partialScore=\"27\"", "partialScore=\"27.5\"", "partialScore must be an integer"),
        ("points above", "reasonCodeAlgorithm=\"pointsBelow\"", "reasonCodeAlgorithm=\"pointsAbove\"", "only reason codes ranked pointsBelow"),
        ("a derived field", "<MiningSchema>", "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\"><Discretize field=\"age_in_years\"/></DerivedField></LocalTransformations><MiningSchema>", "PMML/Scorecard/LocalTransformations: derived fields"),
        ("another operator", "operator=\"lessThan\"", "operator=\"lessOrEqual\"", "operator lessOrEqual is not read"),
        ("another version", "version=\"4.4\"", "version=\"3.2\"", "only PMML 4.x"),
    ])
    func refused(_ name: String, _ find: String, _ replacement: String, _ message: String) throws {
        let data = try editedScorecard { text in
            guard let range = text.range(of: find) else { return text }
            return text.replacingCharacters(in: range, with: replacement)
        }
        #expect(throws: InterchangeError.self) { try PMMLImporter.modelFile(from: data) }
        do {
            _ = try PMMLImporter.modelFile(from: data)
        } catch {
            #expect("\(error)".contains(message), "\(name): \(error)")
        }
    }

    @Test("malformed XML, an external entity and a PMML without CreditEngine's metadata are handled")
    func hostileDocuments() throws {
        #expect(throws: InterchangeError.self) { try PMMLImporter.modelFile(from: Data("<PMML version=\"4.4\"><Header>".utf8)) }
        let entity = """
            <?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header description="&secret;"/></PMML>
            """
        do {
            _ = try PMMLImporter.modelFile(from: Data(entity.utf8), modelId: "x", modelVersion: "1.0.0")
            Issue.record("a document with no model must be refused")
        } catch {
            #expect(!"\(error)".contains("root:"), "the external entity must not be read")
        }
        // Another tool's PMML: no metadata, so the id and version must be given.
        let foreign = try editedScorecard { text in
            text.split(separator: "\n").filter { !$0.contains("<Extension") }.joined(separator: "\n")
        }
        #expect(throws: InterchangeError.self) { try PMMLImporter.modelFile(from: foreign) }
        let named = try load(try PMMLImporter.modelFile(from: foreign, modelId: "imported-card", modelVersion: "2.0.0"))
        #expect(named.reference == "imported-card@2.0.0")
        let original = try shipped("pd-german-credit-scorecard")
        // Default scaling (600 / 50 / 20) is the shipped model's too, so the scores agree.
        for example in original.file.examples {
            #expect(try named.score(example.input).score == original.score(example.input).score)
        }
    }
}
