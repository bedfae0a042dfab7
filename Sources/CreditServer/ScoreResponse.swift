import CreditAudit
import CreditEngine

/// The body of a score response (snake_case JSON, keys sorted). Holds no personal data.
struct ScoreResponse: Encodable {
    struct Version: Encodable {
        var id: String
        var version: String
        var sha256: String
    }

    struct Reason: Encodable {
        var code: String
        var source: String
        var textEn: String
        var textId: String

        enum CodingKeys: String, CodingKey { case code, source, textEn = "text_en", textId = "text_id" }
    }

    struct Hit: Encodable {
        var ruleId: String
        var outcome: String
        var reasonCode: String
        var missingFields: [String]

        enum CodingKeys: String, CodingKey { case ruleId = "rule_id", outcome, reasonCode = "reason_code", missingFields = "missing_fields" }
    }

    var scoreId: String
    var evaluationId: String
    var eventId: String
    var loanId: String
    var createdAt: String
    var model: Version
    var policy: Version
    var score: Double?
    var pd: Double?
    var grade: String?
    var decision: String
    var maxAmount: Double?
    var maxTenorMonths: Double?
    var reasons: [Reason]
    var ruleHits: [Hit]

    enum CodingKeys: String, CodingKey {
        case scoreId = "score_id", evaluationId = "evaluation_id", eventId = "event_id", loanId = "loan_id", createdAt = "created_at"
        case model, policy, score, pd, grade, decision, maxAmount = "max_amount", maxTenorMonths = "max_tenor_months", reasons
        case ruleHits = "rule_hits"
    }

    init(scoreId: String, evaluationId: String, createdAt: String, request: ScoreRequest, decision: Decision, engine: RiskEngine) {
        self.init(
            scoreId: scoreId, evaluationId: evaluationId, createdAt: createdAt, eventId: request.eventId, loanId: request.loanId,
            decision: decision, engine: engine)
    }

    /// The response to the application `eventId` of `loanId`, as first given and as a replay rebuilds it.
    init(scoreId: String, evaluationId: String, createdAt: String, eventId: String, loanId: String, decision: Decision, engine: RiskEngine) {
        self.scoreId = scoreId
        self.evaluationId = evaluationId
        self.eventId = eventId
        self.loanId = loanId
        self.createdAt = createdAt
        model = Version(id: engine.model.file.modelId, version: engine.model.file.modelVersion, sha256: engine.model.contentSHA256)
        policy = Version(id: engine.policy.file.policyId, version: engine.policy.file.policyVersion, sha256: engine.policy.file.contentSHA256 ?? "")
        score = decision.score
        pd = decision.probabilityOfDefault
        grade = decision.grade
        self.decision = decision.outcome.rawValue
        maxAmount = decision.maxAmount
        maxTenorMonths = decision.maxTenorMonths
        reasons = decision.reasons.map { Reason(code: $0.code, source: $0.source.rawValue, textEn: $0.english, textId: $0.indonesian) }
        ruleHits = decision.ruleHits.map { Hit(ruleId: $0.ruleId, outcome: $0.outcome.rawValue, reasonCode: $0.reasonCode, missingFields: $0.missingFields) }
    }

    /// Encodes nil as `null` so every field is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scoreId, forKey: .scoreId)
        try container.encode(evaluationId, forKey: .evaluationId)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(loanId, forKey: .loanId)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(model, forKey: .model)
        try container.encode(policy, forKey: .policy)
        try container.encode(score, forKey: .score)
        try container.encode(pd, forKey: .pd)
        try container.encode(grade, forKey: .grade)
        try container.encode(decision, forKey: .decision)
        try container.encode(maxAmount, forKey: .maxAmount)
        try container.encode(maxTenorMonths, forKey: .maxTenorMonths)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(ruleHits, forKey: .ruleHits)
    }

    /// The JSON `JSONEncoder` writes for this value with sorted keys and unescaped slashes,
    /// written directly (the tests compare the two).
    /// - Throws: ``CreditAudit/JSONTextWriter/NonFiniteNumber`` for a NaN or infinite number.
    func jsonText() throws -> [UInt8] {
        var json = JSONTextWriter(capacity: 2048)
        json.beginObject()
        json.key("created_at")
        json.string(createdAt)
        json.key("decision")
        json.string(decision)
        json.key("evaluation_id")
        json.string(evaluationId)
        json.key("event_id")
        json.string(eventId)
        json.key("grade")
        json.string(grade)
        json.key("loan_id")
        json.string(loanId)
        json.key("max_amount")
        json.number(maxAmount)
        json.key("max_tenor_months")
        json.number(maxTenorMonths)
        json.key("model")
        model.write(to: &json)
        json.key("pd")
        json.number(pd)
        json.key("policy")
        policy.write(to: &json)
        json.key("reasons")
        Self.write(reasons, to: &json)
        json.key("rule_hits")
        Self.write(ruleHits, to: &json)
        json.key("score")
        json.number(score)
        json.key("score_id")
        json.string(scoreId)
        json.endObject()
        return try json.text()
    }

    /// `reasons` as a JSON array, as in the response.
    static func write(_ reasons: [Reason], to json: inout JSONTextWriter) {
        json.beginArray()
        for reason in reasons {
            json.beginObject()
            for (key, value) in [("code", reason.code), ("source", reason.source), ("text_en", reason.textEn), ("text_id", reason.textId)] {
                json.key(key)
                json.string(value)
            }
            json.endObject()
        }
        json.endArray()
    }

    /// `hits` as a JSON array, as in the response.
    static func write(_ hits: [Hit], to json: inout JSONTextWriter) {
        json.beginArray()
        for hit in hits {
            json.beginObject()
            json.key("missing_fields")
            json.beginArray()
            for field in hit.missingFields { json.string(field) }
            json.endArray()
            for (key, value) in [("outcome", hit.outcome), ("reason_code", hit.reasonCode), ("rule_id", hit.ruleId)] {
                json.key(key)
                json.string(value)
            }
            json.endObject()
        }
        json.endArray()
    }
}

extension ScoreResponse.Version {
    func write(to json: inout JSONTextWriter) {
        json.beginObject()
        for (key, value) in [("id", id), ("sha256", sha256), ("version", version)] {
            json.key(key)
            json.string(value)
        }
        json.endObject()
    }
}

extension JSONTextWriter {
    /// A string, or `null` (as `JSONEncoder` encodes an optional that is `nil`).
    mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// A number, or `null`.
    mutating func number(_ value: Double?) {
        if let value { number(value) } else { null() }
    }
}
