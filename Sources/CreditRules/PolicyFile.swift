public import CreditCore

/// What a policy rule does when its condition holds.
public enum RuleOutcome: String, Sendable, Codable, CaseIterable, Comparable {
    /// Knock-out: the application is declined.
    case decline
    /// Referral: a person must look at the application.
    case refer
    /// Recorded with the decision; does not change it.
    case flag

    public static func < (a: RuleOutcome, b: RuleOutcome) -> Bool {
        let order: [RuleOutcome] = [.decline, .refer, .flag]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// What a rule does when its condition cannot be decided because an input it reads is missing.
public enum MissingInputPolicy: String, Sendable, Codable {
    /// Refer the application, naming the rule and the missing inputs (the default: a missing
    /// input never passes a knock-out silently).
    case refer
    /// Treat the rule as not hit.
    case ignore
    /// Treat the rule as hit.
    case hit
}

/// A decision-table or rule cell: an expression as text, or a JSON number or boolean literal.
public struct Cell: Sendable, Equatable, Codable, ExpressibleByStringLiteral {
    public var text: String

    public init(stringLiteral text: String) { self.text = text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            guard number.isFinite else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "is not a finite number") }
            text = number == number.rounded() && Swift.abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        } else if let flag = try? container.decode(Bool.self) {
            text = flag ? "true" : "false"
        } else {
            text = try container.decode(String.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// The JSON document of a policy: its inputs, bureau calibrations, grades, cut-offs, decision
/// tables and rules. Schema version 1; loaded and checked by ``Policy/init(jsonData:source:)``.
public struct PolicyFile: Sendable, Equatable, Codable {
    public static let currentSchemaVersion = 1

    /// An applicant field the policy reads.
    public struct Input: Sendable, Equatable, Codable {
        public var name: String
        public var type: ValueType
        /// A required input that is missing refers the application.
        public var required: Bool?
        /// For a string input: the only values it may take (others are invalid input).
        public var values: [String]?
        public var description: String?
    }

    /// A reason text in English and Bahasa Indonesia.
    public struct Texts: Sendable, Equatable, Codable {
        public var en: String
        public var id: String
    }

    /// A knock-out, referral or flag rule.
    public struct Rule: Sendable, Equatable, Codable {
        public var id: String
        public var when: String
        public var outcome: RuleOutcome
        public var reasonCode: String
        public var text: Texts
        /// First application date the rule applies to (`YYYY-MM-DD`), or nil for "always".
        public var effectiveFrom: String?
        /// First application date it no longer applies to, or nil for "still in force".
        public var effectiveUntil: String?
        public var ifMissing: MissingInputPolicy?
    }

    /// A decision table.
    public struct Table: Sendable, Equatable, Codable {
        public struct Input: Sendable, Equatable, Codable {
            public var name: String
            public var expression: String
        }

        public struct Output: Sendable, Equatable, Codable {
            public var name: String
            public var type: ValueType
            public var priority: [FeatureValue]?
        }

        public struct Row: Sendable, Equatable, Codable {
            public var id: String?
            public var when: [Cell]
            public var then: [Cell]
        }

        public var id: String
        public var hitPolicy: HitPolicy
        public var aggregation: Aggregation?
        public var inputs: [Input]
        public var outputs: [Output]
        public var rules: [Row]
    }

    /// A risk grade: applications whose PD is at most `maxPD` (and above the previous grade's).
    public struct Grade: Sendable, Equatable, Codable {
        public var grade: String
        public var maxPD: Double
    }

    /// PD cut-offs: approve at or below `approveMaxPD`, decline at or above `declineMinPD`,
    /// refer between.
    public struct Cutoffs: Sendable, Equatable, Codable {
        public var approveMaxPD: Double
        public var declineMinPD: Double
        public var declineReason: String
        public var declineText: Texts
    }

    public var schemaVersion: Int
    public var policyId: String
    public var policyVersion: String
    public var description: String?
    public var inputs: [Input]
    public var bureaus: [BureauCalibrator]?
    public var grades: [Grade]
    public var cutoffs: Cutoffs
    public var tables: [Table]?
    public var rules: [Rule]
    /// SHA-256 of the canonical JSON of the document without this field.
    public var contentSHA256: String?
}
