import CreditAudit
import CreditTestSupport
import Foundation
import Testing

@testable import CreditStore

/// Seeded values for audit rows: awkward text, doubles of every size, absent optionals.
private struct Values {
    var random: SeededGenerator

    mutating func next() -> UInt64 { random.next() }

    mutating func text() -> String {
        let pieces = ["a", "Z", "9", "-", "/", "\\", "\"", "\n", "\u{01}", "é", "日", "😀", " "]
        return (0..<Int(next() % 10)).map { _ in pieces[Int(next() >> 33) % pieces.count] }.joined()
    }

    mutating func number() -> Double {
        let value = Double(bitPattern: next())
        return next() % 2 == 0 ? Double(Int(next() % 10_000_000)) : (value.isFinite ? value : 0.25)
    }

    mutating func maybe<T>(_ value: T) -> T? { next() % 3 == 0 ? nil : value }
}

@Suite("Audit rows: canonical JSON")
struct AuditChainTests {
    @Test("the rows' canonical JSON, written directly, is ContentDigest.canonicalJSON of their Encodable form")
    func canonicalJSONMatchesReference() throws {
        var values = Values(random: SeededGenerator(seed: 41))
        for _ in 0..<2000 {
            let score = ScoreRow(
                seq: Int64(values.next() % 1_000_000), id: values.text(), createdAt: values.text(), eventId: values.text(), loanId: values.text(),
                userId: values.text(), amount: values.number(), tenorMonths: values.maybe(values.number()), applicationDate: values.text(),
                modelId: values.text(), modelVersion: values.text(), modelSHA256: values.text(), score: values.maybe(values.number()),
                probabilityOfDefault: values.maybe(values.number()), grade: values.maybe(values.text()), inputsEncrypted: values.text(),
                inputsKeyId: values.maybe(values.text()), prevHash: values.text())
            #expect(try score.canonicalJSON() == Array(ContentDigest.canonicalJSON(score)))
            let evaluation = EvaluationRow(
                seq: Int64(values.next() % 1_000_000), id: values.text(), scoreId: values.text(), createdAt: values.text(),
                policyId: values.text(), policyVersion: values.text(), policySHA256: values.text(), decision: values.text(),
                ruleHits: values.text(), reasons: values.text(), responseSHA256: values.maybe(values.text()), prevHash: values.text())
            #expect(try evaluation.canonicalJSON() == Array(ContentDigest.canonicalJSON(evaluation)))
            let erasure = ErasureRow(
                seq: Int64(values.next() % 1_000_000), id: values.text(), createdAt: values.text(), userId: values.text(),
                requestedBy: values.text(), reason: values.text(), keyIds: values.text(), decisions: Int64(values.next() % 1000),
                prevHash: values.text())
            #expect(try erasure.canonicalJSON() == Array(ContentDigest.canonicalJSON(erasure)))
        }
    }
}
