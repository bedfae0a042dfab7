import CreditAudit
import CreditBatch
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

@testable import CreditServer

/// The shipped scorecard and policy, as the service loads them.
private func shippedEngine() throws -> RiskEngine {
    RiskEngine(
        model: try ModelFileLoader.load(path: RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json")),
        policy: try PolicyFileLoader.load(path: RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json")))
}

@Suite("Response and stored inputs: written directly, as JSONEncoder writes them")
struct ResponseEncodingTests {
    @Test("responses of real decisions, and with every field varied, are JSONEncoder's bytes (sorted keys, unescaped slashes)")
    func responseMatchesJSONEncoder() throws {
        let engine = try shippedEngine()
        var known = Set(engine.model.model.features.map(\.name))
        known.formUnion(engine.policy.file.inputs.map(\.name))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var random = SeededGenerator(seed: 7)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let texts = ["", "a/b", "quote \" and \\ back", "line\nbreak", "Pendapatan di bawah batas", "\u{1}", "日本", "😀"]
        for variant in 0..<400 {
            // Applications that approve, refer and decline, with rule hits and reasons.
            let body = ServerProcess.application("evt-\(variant)", features: [
                "age": [17, 30, 49, 70][next(4)], "monthly_income": [500_000, 4_180_000, 20_000_000][next(3)],
                "active_platform_loans": next(6), "delinquencies_12m": next(3), "on_watchlist": next(5) == 0,
            ])
            guard case .success(let request) = ScoreRequest.parse(body, knownFeatures: known, knownBureauInputs: Set(engine.policy.bureaus.map(\.input))) else {
                Issue.record("the test application does not parse")
                return
            }
            let decision = try engine.decide(Application(amount: request.amount, tenorMonths: request.tenorMonths, date: request.date, fields: request.fields))
            var response = ScoreResponse(scoreId: "s-\(variant)", evaluationId: "e", createdAt: "2026-12-01T00:00:00.000Z", request: request, decision: decision, engine: engine)
            if variant % 2 == 1 {
                (response.score, response.pd, response.grade) = (next(2) == 0 ? nil : Double(next(900)), next(2) == 0 ? nil : 1 / Double(next(99) + 2), next(2) == 0 ? nil : texts[next(texts.count)])
                (response.maxAmount, response.maxTenorMonths) = (next(2) == 0 ? nil : Double(next(10_000_000)), next(2) == 0 ? nil : Double(next(36)))
                response.reasons.append(.init(code: texts[next(texts.count)], source: "rule", textEn: texts[next(texts.count)], textId: texts[next(texts.count)]))
                response.ruleHits.append(.init(ruleId: texts[next(texts.count)], outcome: "flag", reasonCode: "X", missingFields: (0..<next(3)).map { _ in texts[next(texts.count)] }))
                response.loanId = texts[next(texts.count)]
            }
            #expect(try response.jsonText() == Array(encoder.encode(response)), "variant \(variant)")
            var hits = JSONTextWriter()
            ScoreResponse.write(response.ruleHits, to: &hits)
            #expect(try hits.text() == Array(encoder.encode(response.ruleHits)))
            var reasons = JSONTextWriter()
            ScoreResponse.write(response.reasons, to: &reasons)
            #expect(try reasons.text() == Array(encoder.encode(response.reasons)))
            var fields = request.fields
            fields["applicant.name"] = .category(texts[next(texts.count)])
            fields["empty"] = .missing
            let inputs = StoredInputs(timestamp: request.timestamp, fields: fields)
            #expect(try inputs.jsonText() == Array(encoder.encode(inputs)))
        }
    }
}
