import CreditAudit
import CreditEngine
import Foundation

/// Any JSON value, kept with its kind (a boolean stays a boolean); read by ``JSONReader``.
enum JSONValue: Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// The canonical text of the value: object keys in UTF-8 byte order, numbers in their
    /// shortest round-trip form, strings with JSON's minimal escapes, no white space. Two
    /// serialisations of the same JSON (key order, spacing, `1.0` or `1`, escapes) give the same text.
    func canonicalText() -> [UInt8] {
        var writer = JSONTextWriter()
        write(to: &writer)
        // Numbers from JSONReader are finite, so the writer never refuses one.
        return (try? writer.text()) ?? []
    }

    private func write(to writer: inout JSONTextWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let flag): writer.bool(flag)
        case .number(let number): writer.number(number)
        case .string(let text): writer.string(text)
        case .array(let items):
            writer.beginArray()
            for item in items { item.write(to: &writer) }
            writer.endArray()
        case .object(let entries):
            writer.beginObject()
            for key in entries.keys.sorted(by: { $0.precedesInByteOrder($1) }) {
                writer.key(key)
                entries[key]!.write(to: &writer)
            }
            writer.endObject()
        }
    }
}

/// One problem with a request body, by JSON pointer-like field path.
struct FieldProblem: Encodable, Equatable {
    var field: String
    var problem: String
}

/// A `POST /api/v1/scores` body, validated strictly: every field known, every type right.
struct ScoreRequest {
    var eventId: String
    var userId: String
    var loanId: String
    var amount: Double
    var timestamp: String
    var date: CalendarDay
    var tenorMonths: Double?
    /// Model features, policy inputs and bureau values, by field name.
    var fields: [String: FeatureValue]
    /// Personal data (name, NIK, phone…): stored encrypted, never logged or returned.
    var applicant: [String: String]
    /// SHA-256 of the body's canonical JSON (``JSONValue/canonicalText()``): a retry that
    /// re-serialises the same JSON has the same hash.
    var canonicalSHA256 = ""

    static let topLevel: Set<String> = ["event_id", "user_id", "loan_id", "amount", "timestamp", "tenor_months", "features", "bureau", "applicant"]
    /// Parses `body`; `knownFeatures` and `knownBureauInputs` are the names the engine reads.
    static func parse(_ body: Data, knownFeatures: Set<String>, knownBureauInputs: Set<String>) -> Result<ScoreRequest, ValidationFailure> {
        let root: JSONValue
        do {
            root = try JSONReader.parse(body)
        } catch {
            return .failure(ValidationFailure(malformed: "the body is not valid JSON (\(error))"))
        }
        guard case .object(let object) = root else { return .failure(ValidationFailure(malformed: "the body must be a JSON object")) }
        var problems: [FieldProblem] = []
        for key in object.keys.sorted() where !topLevel.contains(key) { problems.append(FieldProblem(field: key, problem: "is not a known field")) }

        func identifier(_ key: String) -> String {
            switch object[key] {
            case .string(let text) where SafeIdentifier.isValid(text):
                return text
            case .string: problems.append(FieldProblem(field: key, problem: SafeIdentifier.rule))
            case nil: problems.append(FieldProblem(field: key, problem: "is required"))
            case let other?: problems.append(FieldProblem(field: key, problem: "must be a string, not \(other.kind)"))
            }
            return ""
        }
        let eventId = identifier("event_id"), userId = identifier("user_id"), loanId = identifier("loan_id")
        var amount = 0.0
        switch object["amount"] {
        case .number(let value) where value > 0 && value.isFinite: amount = value
        case .number: problems.append(FieldProblem(field: "amount", problem: "must be a positive number"))
        case nil: problems.append(FieldProblem(field: "amount", problem: "is required"))
        case let other?: problems.append(FieldProblem(field: "amount", problem: "must be a number, not \(other.kind)"))
        }
        var timestamp = ""
        var date = CalendarDay(daysSinceEpoch: 0)
        switch object["timestamp"] {
        case .string(let text):
            if let day = CalendarDay(rfc3339DateTime: text) {
                (timestamp, date) = (text, day)
            } else {
                problems.append(FieldProblem(field: "timestamp", problem: "must be an RFC 3339 date-time like 2026-03-01T10:15:00+07:00"))
            }
        case nil: problems.append(FieldProblem(field: "timestamp", problem: "is required"))
        case let other?: problems.append(FieldProblem(field: "timestamp", problem: "must be a string, not \(other.kind)"))
        }
        var tenor: Double?
        switch object["tenor_months"] {
        case .number(let value) where value > 0 && value <= 600 && value == value.rounded(): tenor = value
        case nil, .null?: tenor = nil
        case let other?: problems.append(FieldProblem(field: "tenor_months", problem: "must be a whole number of months from 1 to 600, not \(other.kind == "a number" ? "that" : other.kind)"))
        }
        var fields: [String: FeatureValue] = [:]
        func values(_ key: String, known: Set<String>) {
            switch object[key] {
            case nil, .null?: return
            case .object(let entries):
                for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
                    let path = "\(key).\(name)"
                    guard known.contains(name) else {
                        problems.append(FieldProblem(field: path, problem: "is not a field this engine reads"))
                        continue
                    }
                    switch value {
                    case .null: fields[name] = .missing
                    case .number(let number): fields[name] = .number(number)
                    case .string(let text): fields[name] = .category(text)
                    case .bool(let flag): fields[name] = .category(flag ? "true" : "false")
                    default: problems.append(FieldProblem(field: path, problem: "must be a number, string, boolean or null, not \(value.kind)"))
                    }
                }
            case let other?: problems.append(FieldProblem(field: key, problem: "must be an object, not \(other.kind)"))
            }
        }
        values("features", known: knownFeatures)
        values("bureau", known: knownBureauInputs)
        var applicant: [String: String] = [:]
        switch object["applicant"] {
        case nil, .null?: break
        case .object(let entries):
            for (name, value) in entries {
                guard case .string(let text) = value, text.utf8.count <= 1024 else {
                    problems.append(FieldProblem(field: "applicant.\(name)", problem: "must be a string of at most 1024 bytes"))
                    continue
                }
                applicant[name] = text
            }
        case let other?: problems.append(FieldProblem(field: "applicant", problem: "must be an object, not \(other.kind)"))
        }
        guard problems.isEmpty else { return .failure(ValidationFailure(problems: problems)) }
        return .success(ScoreRequest(
            eventId: eventId, userId: userId, loanId: loanId, amount: amount, timestamp: timestamp, date: date, tenorMonths: tenor,
            fields: fields, applicant: applicant, canonicalSHA256: ContentDigest.sha256Hex(root.canonicalText())))
    }

    /// The idempotency identity of a body this engine may not accept (another model since): its
    /// canonical hash and its `event_id`, when the body is JSON with a safe `event_id`.
    static func identity(of body: Data) -> (canonicalSHA256: String, eventId: String?)? {
        guard let root = try? JSONReader.parse(body) else { return nil }
        var eventId: String?
        if case .object(let object) = root, case .string(let text)? = object["event_id"], SafeIdentifier.isValid(text) { eventId = text }
        return (ContentDigest.sha256Hex(root.canonicalText()), eventId)
    }
}

/// Why a request body was refused.
struct ValidationFailure: Error {
    var detail: String
    var problems: [FieldProblem]

    init(malformed detail: String) {
        self.detail = detail
        problems = []
    }

    init(problems: [FieldProblem]) {
        detail = problems.count == 1 ? "\(problems[0].field) \(problems[0].problem)" : "\(problems.count) fields are invalid"
        self.problems = problems
    }
}
