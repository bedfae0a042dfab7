public import CreditCore

/// The type of a value in the rule language.
public enum ValueType: String, Sendable, Codable, CaseIterable {
    case number, string, boolean
}

/// Three-valued truth: a condition over a missing value is `unknown`, never silently false.
/// `and`/`or`/`not` follow Kleene's logic (`no and unknown` is `no`, `yes or unknown` is `yes`).
public enum Truth: UInt8, Sendable {
    case no, yes, unknown
}

/// The fields an expression may read, each with its type and its slot in a ``RuleRow``.
public struct RuleSchema: Sendable {
    /// Where a field's value lives in a row.
    public enum Slot: Sendable, Hashable {
        case number(Int)
        case string(Int)
        case boolean(Int)
    }

    /// The declared fields, in declaration order.
    public let fields: [(name: String, type: ValueType)]
    private let slots: [String: Slot]
    let numberCount: Int
    let stringCount: Int

    /// A schema of `fields`. Numbers and booleans share the numeric slots.
    /// - Throws: ``RuleSchemaError`` for a duplicate or malformed name.
    public init(fields: [(name: String, type: ValueType)]) throws(RuleSchemaError) {
        var slots: [String: Slot] = [:]
        var numbers = 0
        var strings = 0
        for (name, type) in fields {
            guard Self.isValidName(name) else { throw RuleSchemaError(field: name, problem: "is not a valid field name (letters, digits, '_' and '.')") }
            guard slots[name] == nil else { throw RuleSchemaError(field: name, problem: "is declared twice") }
            switch type {
            case .number: slots[name] = .number(numbers); numbers += 1
            case .boolean: slots[name] = .boolean(numbers); numbers += 1
            case .string: slots[name] = .string(strings); strings += 1
            }
        }
        self.fields = fields
        self.slots = slots
        self.numberCount = numbers
        self.stringCount = strings
    }

    /// The slot of `name`, or nil when the schema has no such field.
    public func slot(of name: String) -> Slot? { slots[name] }

    /// The type of `name`, or nil when the schema has no such field.
    public func type(of name: String) -> ValueType? {
        switch slots[name] {
        case .number: return .number
        case .string: return .string
        case .boolean: return .boolean
        case nil: return nil
        }
    }

    /// This schema with `more` fields added after its own.
    public func adding(_ more: [(name: String, type: ValueType)]) throws(RuleSchemaError) -> RuleSchema {
        try RuleSchema(fields: fields + more)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

/// A schema that cannot be built.
public struct RuleSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String
    public var description: String { "field '\(field)' \(problem)" }
}

/// One applicant's values in the slots of a ``RuleSchema``: missing numbers are NaN, missing
/// strings nil, booleans 0/1.
public struct RuleRow: Sendable {
    public internal(set) var numbers: [Double]
    public internal(set) var strings: [String?]

    /// A row of `schema` with every value missing.
    public init(schema: RuleSchema) {
        numbers = Array(repeating: .nan, count: schema.numberCount)
        strings = Array(repeating: nil, count: schema.stringCount)
    }

    /// Marks every value missing again (to reuse the row for the next applicant).
    public mutating func clear() {
        for index in numbers.indices { numbers[index] = .nan }
        for index in strings.indices { strings[index] = nil }
    }

    /// Sets a number (NaN or an infinity means missing).
    public mutating func set(_ slot: RuleSchema.Slot, number: Double) {
        if case .number(let index) = slot { numbers[index] = number.isFinite ? number : .nan }
    }

    /// Sets a text value (a string slot the engine itself fills, as a grade or a bureau status).
    public mutating func set(_ slot: RuleSchema.Slot, text: String) {
        if case .string(let index) = slot { strings[index] = text }
    }

    /// Sets the value of `slot` from an input value.
    /// - Throws: ``RuleValueError`` when the value's type does not fit the slot.
    public mutating func set(_ slot: RuleSchema.Slot, to value: FeatureValue) throws(RuleValueError) {
        switch (slot, value) {
        case (.number(let index), .missing), (.boolean(let index), .missing): numbers[index] = .nan
        case (.string(let index), .missing): strings[index] = nil
        case (.number(let index), .number(let number)):
            guard number.isFinite else { throw .notFinite }
            numbers[index] = number
        case (.string(let index), .category(let text)): strings[index] = text
        case (.string(let index), .number(let number)):
            // CSV and JSON may carry codes like 12 for a string field; keep their text.
            strings[index] = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case (.boolean(let index), .category(let text)):
            switch text.lowercased() {
            case "true", "yes", "y", "1": numbers[index] = 1
            case "false", "no", "n", "0": numbers[index] = 0
            default: throw .notBoolean(text)
            }
        case (.boolean(let index), .number(let number)):
            guard number == 0 || number == 1 else { throw .notBoolean(String(number)) }
            numbers[index] = number
        case (.number, .category(let text)): throw .notNumber(text)
        }
    }

    /// The value in `slot` as an input value.
    public func value(_ slot: RuleSchema.Slot) -> FeatureValue {
        switch slot {
        case .number(let index): return numbers[index].isNaN ? .missing : .number(numbers[index])
        case .boolean(let index): return numbers[index].isNaN ? .missing : .category(numbers[index] == 1 ? "true" : "false")
        case .string(let index): return strings[index].map { .category($0) } ?? .missing
        }
    }
}

/// A value that does not fit its field's type.
public enum RuleValueError: Error, Sendable, Equatable, CustomStringConvertible {
    case notNumber(String)
    case notBoolean(String)
    case notFinite

    public var description: String {
        switch self {
        // The value is never shown: it is applicant data.
        case .notNumber: return "is not a number"
        case .notBoolean: return "is not true or false"
        case .notFinite: return "is not a finite number"
        }
    }
}
