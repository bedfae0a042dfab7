/// Builds CSV text in memory: fields quoted only when they must be (they contain the delimiter,
/// a quote, CR or LF; quotes inside are doubled), numbers in their shortest round-trip form,
/// records ending with LF. ``CSVWriter`` writes what it builds.
public struct CSVFormatter: Sendable {
    /// The text built so far.
    public private(set) var bytes: [UInt8] = []
    private let delimiter: UInt8
    private var fieldsInRecord = 0

    /// An empty formatter.
    public init(delimiter: UInt8 = UInt8(ascii: ","), capacity: Int = 0) {
        self.delimiter = delimiter
        bytes.reserveCapacity(capacity)
    }

    /// Appends a text field, quoting it when needed.
    public mutating func append(field text: String) {
        separate()
        var needsQuotes = false
        for byte in text.utf8 where byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            bytes.append(contentsOf: text.utf8)
            return
        }
        bytes.append(0x22)
        for byte in text.utf8 {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }

    /// Appends a field given as raw bytes, quoting it when needed.
    public mutating func append(fieldBytes field: UnsafeRawBufferPointer) {
        separate()
        let needsQuotes = field.contains { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            bytes.append(contentsOf: field)
            return
        }
        bytes.append(0x22)
        for byte in field {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }

    /// Appends fields that are already CSV text (joined by the delimiter) as the next fields:
    /// bytes `range` of `text` (a whole array and a range, so no slice is made per call).
    public mutating func append(formattedFields text: [UInt8], range: Range<Int>) {
        separate()
        text.withUnsafeBufferPointer { text in bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[range])) }
    }

    /// Starts a new record without writing a line break, for text that holds fields only.
    public mutating func startFields() {
        fieldsInRecord = 0
    }

    /// Appends a number in its shortest round-trip form (`0.1`, `612.5`, `1e-20`); whole numbers
    /// below 10¹⁵ without a decimal point.
    public mutating func append(number: Double) {
        separate()
        if number == number.rounded(), abs(number) < 1e15 {
            bytes.append(contentsOf: String(Int64(number)).utf8)
        } else {
            bytes.append(contentsOf: number.description.utf8)
        }
    }

    /// Appends an integer field.
    public mutating func append(integer: Int) {
        separate()
        bytes.append(contentsOf: String(integer).utf8)
    }

    /// Ends the record.
    public mutating func endRecord() {
        bytes.append(0x0A)
        fieldsInRecord = 0
    }

    /// Appends a whole record of text fields.
    public mutating func append(record fields: [String]) {
        for field in fields { append(field: field) }
        endRecord()
    }

    /// Empties the text, keeping its storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fieldsInRecord = 0
    }

    /// Number of bytes built.
    public var count: Int { bytes.count }

    private mutating func separate() {
        if fieldsInRecord > 0 { bytes.append(delimiter) }
        fieldsInRecord += 1
    }
}
