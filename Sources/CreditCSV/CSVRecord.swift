/// The current record of a ``CSVReader`` or ``CSVBlock``: fields by position, its physical line,
/// and whether its quoting is broken. Valid until the reader or block moves to the next record.
public struct CSVRecord {
    private let scanner: CSVScanner

    init(_ scanner: CSVScanner) { self.scanner = scanner }

    /// Physical line (1-based) where the record starts.
    public var line: Int { scanner.recordLine }
    /// Number of fields.
    public var fieldCount: Int { scanner.fieldCount }
    /// Why the record's quoting is broken, or `nil` when it is fine.
    public var quotingProblem: String? { scanner.quotingProblem }
    /// Set (when the reader flags oversized records) for a record with a field over the size limit
    /// or more fields than the limit: its fields are not usable, only its line. `nil` otherwise.
    public var sizeProblem: String? { scanner.sizeProblemText }
    /// Whether the record is over the field-size limit (else, if ``sizeProblem`` is set, it has too many fields).
    public var hasOversizedField: Bool { if case .fieldTooLarge = scanner.sizeProblem { true } else { false } }

    /// Field `index` as text (invalid UTF-8 is replaced, never trapped on).
    public func string(at index: Int) -> String {
        scanner.withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// `true` when field `index` is empty.
    public func isEmpty(at index: Int) -> Bool {
        scanner.withField(index) { $0.isEmpty }
    }

    /// Field `index` parsed as a number (see ``NumberParser``).
    public func number(at index: Int) -> NumberParser.Result {
        scanner.withField(index) { NumberParser.parse($0) }
    }

    /// Calls `body` with the raw bytes of field `index`; they are valid only inside `body`.
    public func withFieldBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try scanner.withField(index, body)
    }
}
