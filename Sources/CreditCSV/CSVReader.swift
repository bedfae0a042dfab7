import CreditCore

/// Options of ``CSVReader``, with defaults.
public struct CSVReadOptions: Sendable, Equatable {
    /// The field delimiter, one ASCII byte. Default `,`.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// The longest field accepted, in bytes (an unclosed quote would otherwise swallow the rest
    /// of the file into memory). Default 16 MiB.
    public var maxFieldBytes = 16 << 20
    /// The most fields a record may have (memory per record is bounded by it). Default 100,000.
    public var maxFieldsPerRecord = 100_000
    /// What a record over either limit does: stop the read with an error (the default), or come
    /// back with ``CSVRecord/sizeProblem`` set and no usable fields, so the caller rejects that
    /// row and reads on. Its bytes are skipped, never held.
    public var oversizedRecords = OversizedRecords.stop

    /// See ``oversizedRecords``.
    public enum OversizedRecords: Sendable, Equatable {
        case stop
        case flag
    }
    /// Bytes read from the source at a time. Default 1 MiB.
    public var chunkSize = 1 << 20

    /// Default options.
    public init() {}
}

/// Reads RFC 4180 CSV as a stream of records, in chunks, with memory independent of file size.
///
/// Accepts quoted fields with escaped quotes (`""`) and embedded line breaks, LF, CRLF and CR line
/// endings, and a UTF-8 byte-order mark. Lines with nothing on them are skipped. Each record
/// knows the physical line it starts on. Broken quoting does not stop the read: the record is
/// returned with ``quotingProblem`` set so the caller can reject it.
///
/// ```swift
/// let reader = try CSVReader(source: FileByteSource(path: "applications.csv"))
/// while try reader.readRecord() {
///     print(reader.record.line, reader.record.fieldCount, reader.record.string(at: 0))
/// }
/// ```
public final class CSVReader {
    /// The source's name, for messages.
    public let sourceName: String
    private var source: any ByteSource
    private let scanner: CSVScanner
    private var buffer: UnsafeMutableRawBufferPointer
    private var position = 0
    private var filled = 0
    private var atEnd = false
    private var atStart = true
    private let oversizedRecords: CSVReadOptions.OversizedRecords

    /// A reader over `source`.
    public init(source: any ByteSource, options: CSVReadOptions = CSVReadOptions()) {
        precondition(options.chunkSize > 0 && options.maxFieldBytes > 0, "chunk and field sizes must be positive")
        self.sourceName = source.name
        self.source = source
        self.scanner = CSVScanner(delimiter: options.delimiter, maxFieldBytes: options.maxFieldBytes, maxFields: options.maxFieldsPerRecord)
        self.oversizedRecords = options.oversizedRecords
        self.buffer = .allocate(byteCount: max(options.chunkSize, 3), alignment: 8)
    }

    deinit {
        buffer.deallocate()
    }

    /// The current record.
    public var record: CSVRecord { CSVRecord(scanner) }

    /// Advances to the next record. Returns `false` at the end of the input.
    /// - Throws: ``CSVError/readFailed(source:reason:)``, or, unless oversized records are
    ///   flagged, ``CSVError/fieldTooLarge(_:limit:)`` or ``CSVError/tooManyFields(_:limit:)``.
    public func readRecord() throws(CSVError) -> Bool {
        scanner.beginRecord()
        while true {
            if position == filled {
                if atEnd {
                    guard scanner.finish() else { return false }
                    try scanner.checkSize(source: sourceName, policy: oversizedRecords)
                    return true
                }
                try refill()
                continue
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[position..<filled])
            switch scanner.scan(chunk) {
            case .record(let consumed):
                position += consumed
                try scanner.checkSize(source: sourceName, policy: oversizedRecords)
                return true
            case .needMoreInput:
                position = filled
            }
        }
    }

    /// Reads the next chunk, skipping a UTF-8 byte-order mark at the very start.
    private func refill() throws(CSVError) {
        position = 0
        filled = 0
        repeat {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 {
                atEnd = true
                break
            }
            filled += count
        } while atStart && filled < 3
        if atStart {
            atStart = false
            if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        }
    }
}
