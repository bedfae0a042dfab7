import CreditEngine
import CreditTestSupport
import Foundation
import Testing

/// The German-credit model the repository ships, as text.
private func shippedModelText() throws -> String {
    try String(contentsOfFile: RepositoryPaths.path("models/pd-german-credit/1.0.0/model.json"), encoding: .utf8)
}

/// Decodes `text` as a model file named `model.json`.
private func load(_ text: String) throws(ModelLoadError) -> ModelBundle {
    try ModelBundle(jsonData: Data(text.utf8), source: "model.json")
}

/// Applies `edit` to the JSON object of the shipped model and re-serializes it.
private func edited(_ edit: (inout [String: Any]) -> Void) throws -> String {
    var object = try JSONSerialization.jsonObject(with: Data(try shippedModelText().utf8)) as! [String: Any]
    edit(&object)
    return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}

@Suite("Model files")
struct ModelBundleTests {
    @Test("every shipped model loads and scores its recorded examples")
    func shippedModelsValidate() throws {
        let root = RepositoryPaths.root.appendingPathComponent("models")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix("model.json") } ?? []
        #expect(!files.isEmpty)
        for file in files {
            let bundle = try ModelBundle(jsonData: Data(contentsOf: root.appendingPathComponent(file)), source: file)
            #expect(!bundle.file.examples.isEmpty, "\(file) has no examples")
            #expect(bundle.failingExamples(tolerance: 0).isEmpty, "\(file): \(bundle.failingExamples(tolerance: 0))")
            // The folder is models/<modelId>/<modelVersion>/model.json.
            #expect(file == "\(bundle.file.modelId)/\(bundle.file.modelVersion)/model.json")
        }
    }

    @Test("scoring the same record twice gives bit-identical results")
    func deterministicScoring() throws {
        let bundle = try load(try shippedModelText())
        let input = bundle.file.examples[0].input
        #expect(try bundle.score(input) == bundle.score(input))
    }

    @Test("an edited file fails its content digest")
    func tamperDetected() throws {
        let text = try shippedModelText()
        let tampered = text.replacingOccurrences(of: "\"rows\" : 1000", with: "\"rows\" : 1001")
        #expect(tampered != text)
        #expect(throws: ModelLoadError.self) { try load(tampered) }
        do throws(ModelLoadError) {
            _ = try load(tampered)
        } catch {
            #expect(error.path == "contentSHA256")
            #expect(error.problem.hasPrefix("does not match the content (computed "))
        }
        // Re-formatting alone (white space, key order) does not change the digest.
        let reformatted = try edited { _ in }
        #expect(try load(reformatted).contentSHA256 == load(text).contentSHA256)
    }

    @Test("broken files name the JSON path of the problem", arguments: [
        ("not json", "model.json: is not valid JSON"),
        ("{\"schemaVersion\": 2}", "model.json: schemaVersion: unsupported schema version 2; this engine reads version 1"),
        ("{\"schemaVersion\": \"1\"}", "model.json: schemaVersion: has the wrong type (expected a number)"),
        ("{}", "model.json: schemaVersion: is required but missing"),
    ])
    func brokenDocuments(text: String, message: String) {
        do throws(ModelLoadError) {
            _ = try load(text)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("invalid fields inside a model name their path")
    func invalidFields() throws {
        let cases: [(edit: (inout [String: Any]) -> Void, message: String)] = [
            ({ $0["modelId"] = "PD German" }, "model.json: modelId: must be lowercase letters, digits and hyphens"),
            ({ $0["modelVersion"] = "1.0" }, "model.json: modelVersion: must be a semantic version MAJOR.MINOR.PATCH"),
            ({ $0["kind"] = "randomForest" }, "model.json: kind: unknown model kind; schema version 1 has \"logisticRegression\" and \"scorecard\""),
            ({ $0["kind"] = "scorecard" }, "model.json: scorecard: a scorecard file needs \"scorecard\" and no \"model\""),
            ({ $0.removeValue(forKey: "contentSHA256") }, "model.json: contentSHA256: is missing"),
            ({ $0.removeValue(forKey: "target") }, "model.json: target: is required but missing"),
            ({ object in
                var model = object["model"] as! [String: Any]
                var features = model["features"] as! [[String: Any]]
                features[1]["coefficient"] = "high"
                model["features"] = features
                object["model"] = model
            }, "model.json: model.features[1].coefficient: has the wrong type (expected a number)"),
            ({ object in
                var model = object["model"] as! [String: Any]
                var features = model["features"] as! [[String: Any]]
                features[0]["reference"] = "nonexistent level"
                model["features"] = features
                object["model"] = model
            }, "model.json: model.features[0].reference: is not one of the levels"),
            ({ object in
                var model = object["model"] as! [String: Any]
                var features = model["features"] as! [[String: Any]]
                features[1]["type"] = "ordinal"
                model["features"] = features
                object["model"] = model
            }, "model.json: model.features[1].type: expected \"numeric\", \"categorical\" or \"binned\""),
            ({ object in
                var scaling = object["scaling"] as! [String: Any]
                scaling["pointsToDoubleOdds"] = -20
                object["scaling"] = scaling
            }, "model.json: scaling.pointsToDoubleOdds: must be a finite number > 0"),
        ]
        for (edit, message) in cases {
            let text = try edited(edit)
            do throws(ModelLoadError) {
                _ = try load(text)
                Issue.record("expected: \(message)")
            } catch {
                #expect(error.description == message)
            }
        }
    }

    /// A compile-time contract: this test fails to build if a type loses `Sendable`.
    @Test("public model and configuration types are Sendable")
    func sendable() {
        func requireSendable<T: Sendable>(_: T.Type) {}
        requireSendable(ModelBundle.self)
        requireSendable(ModelFile.self)
        requireSendable(LogisticModel.self)
        requireSendable(IRLSOptions.self)
        requireSendable(ScoreScaling.self)
    }
}
