import CreditCore
import Glibc

/// A run of whole records cut from a CSV input, parsed on its own (see ``CSVBlockReader``).
public struct CSVBlock: Sendable {
    /// The block's bytes: whole records only.
    public let bytes: [UInt8]
    /// Physical line of the block's first byte.
    public let firstLine: Int
    /// Number of records (blank lines excluded) before this block in the input.
    public let recordsBefore: Int
    /// Byte offset of the block in the input.
    public let offset: Int
    /// The field delimiter.
    let delimiter: UInt8
    let maxFieldBytes: Int
    let maxFields: Int
    let oversizedRecords: CSVReadOptions.OversizedRecords
    /// When the block stands for one record too long to hold (skipped by the reader, flagged
    /// oversized records only): the line it starts on. The block then has no bytes.
    var skippedRecordLine: Int?

    /// The block's first record as text (the header, in the first block of an input).
    /// - Throws: ``CSVError/fieldTooLarge(_:limit:)``.
    public func firstRecord(source: String) throws -> (fields: [String], line: Int)? {
        var first: (fields: [String], line: Int)?
        try forEachRecord(source: source) { record throws(CSVError) in
            // A header cannot be rejected like a row: an oversized one stops the job.
            if record.sizeProblem != nil {
                throw record.hasOversizedField || skippedRecordLine != nil
                    ? .fieldTooLarge(InputLocation(source: source, line: record.line), limit: maxFieldBytes)
                    : .tooManyFields(InputLocation(source: source, line: record.line), limit: maxFields)
            }
            first = ((0..<record.fieldCount).map { record.string(at: $0) }, record.line)
            return false
        }
        return first
    }

    /// Calls `body` once per record of the block, in order, until it returns `false`.
    /// - Throws: unless oversized records are flagged, ``CSVError/fieldTooLarge(_:limit:)`` or
    ///   ``CSVError/tooManyFields(_:limit:)``; or what `body` throws.
    public func forEachRecord(source: String, _ body: (CSVRecord) throws -> Bool) throws {
        try forEachRecord(source: source, allowPlainScan: true, body)
    }

    /// ``forEachRecord(source:_:)``; `allowPlainScan: false` forces the general state machine even
    /// where the block has no quote and no CR (for the tests that compare the two).
    func forEachRecord(source: String, allowPlainScan: Bool, _ body: (CSVRecord) throws -> Bool) throws {
        let scanner = CSVScanner(delimiter: delimiter, maxFieldBytes: maxFieldBytes, maxFields: maxFields, firstLine: firstLine, borrowsInput: true)
        if let line = skippedRecordLine {
            scanner.markSkipped(line: line)
            _ = try body(CSVRecord(scanner))
            return
        }
        try bytes.withUnsafeBytes { buffer in
            // Most files have no quotes and no CRs: then every record is a plain split.
            let plain = allowPlainScan && buffer.count > 0 && memchr(buffer.baseAddress!, 0x22, buffer.count) == nil
                && memchr(buffer.baseAddress!, 0x0D, buffer.count) == nil
            var position = 0
            while true {
                scanner.beginRecord()
                let rest = UnsafeRawBufferPointer(rebasing: buffer[position...])
                switch plain ? scanner.scanPlain(rest) : scanner.scan(rest) {
                case .record(let consumed):
                    position += consumed
                    try scanner.checkSize(source: source, policy: oversizedRecords)
                    guard try body(CSVRecord(scanner)) else { return }
                case .needMoreInput:
                    if scanner.finish() {
                        try scanner.checkSize(source: source, policy: oversizedRecords)
                        _ = try body(CSVRecord(scanner))
                    }
                    return
                }
            }
        }
    }
}

/// Cuts a CSV input into blocks of whole records, so that blocks can be parsed in parallel and
/// still give exactly the records and line numbers of one sequential read.
///
/// Only record boundaries are found here (a state machine over the bytes, no copying of fields);
/// parsing happens in ``CSVBlock/forEachRecord(source:_:)``. Memory: one block plus one read chunk.
public final class CSVBlockReader {
    /// The source's name, for messages.
    public let sourceName: String
    private var source: any ByteSource
    private let options: CSVReadOptions
    private let blockSize: Int
    private var finder: RecordBoundaryFinder
    private var pending: [UInt8] = []
    /// Boundary state at the start of `pending`.
    private var pendingLine = 1
    private var pendingRecords = 0
    private var pendingOffset = 0
    /// Bytes of `pending` the finder has already seen.
    private var scanned = 0
    private var lastBoundary: RecordBoundaryFinder.Boundary?
    private var atEnd = false
    private var atStart = true
    private let chunk: UnsafeMutableRawBufferPointer

    /// A reader cutting `source` into blocks of about `blockSize` bytes (default 4 MiB).
    public init(source: any ByteSource, options: CSVReadOptions = CSVReadOptions(), blockSize: Int = 4 << 20) {
        precondition(blockSize > 0, "block size must be positive")
        self.sourceName = source.name
        self.source = source
        self.options = options
        self.blockSize = blockSize
        self.finder = RecordBoundaryFinder(delimiter: options.delimiter)
        self.chunk = .allocate(byteCount: options.chunkSize, alignment: 8)
    }

    deinit {
        chunk.deallocate()
    }

    /// Total bytes read from the source so far.
    public private(set) var bytesRead = 0

    /// The next block, or `nil` at the end of the input.
    /// - Throws: ``CSVError/readFailed(source:reason:)``, or ``CSVError/fieldTooLarge(_:limit:)``
    ///   when one record is longer than `maxFieldBytes` plus the block size.
    public func nextBlock() throws(CSVError) -> CSVBlock? {
        while true {
            if atEnd {
                guard !pending.isEmpty else { return nil }
                return cut(at: RecordBoundaryFinder.Boundary(offset: pending.count, line: finder.line, records: finder.records))
            }
            if let boundary = lastBoundary, boundary.offset >= blockSize { return cut(at: boundary) }
            if pending.count > blockSize + options.maxFieldBytes {
                guard options.oversizedRecords == .flag else {
                    throw .fieldTooLarge(InputLocation(source: sourceName, line: lastBoundary?.line ?? pendingLine), limit: options.maxFieldBytes)
                }
                // One record too long to hold: the whole records before it go out first, then it
                // is skipped (never held) and stands as a flagged record of its own.
                if let boundary = lastBoundary { return cut(at: boundary) }
                return try skipOversizedRecord()
            }
            try readChunk()
        }
    }

    /// Drops the record at the start of `pending` and the input up to its end, and returns the
    /// empty block that stands for it.
    private func skipOversizedRecord() throws(CSVError) -> CSVBlock {
        var block = CSVBlock(
            bytes: [], firstLine: pendingLine, recordsBefore: pendingRecords, offset: pendingOffset, delimiter: options.delimiter,
            maxFieldBytes: options.maxFieldBytes, maxFields: options.maxFieldsPerRecord, oversizedRecords: options.oversizedRecords)
        block.skippedRecordLine = pendingLine
        var skipped = pending.count
        pending.removeAll(keepingCapacity: true)
        scanned = 0
        while true {
            let count = try source.read(into: chunk)
            if count == 0 {
                // The record runs to the end of the input.
                atEnd = true
                pendingOffset += skipped
                pendingLine = finder.line
                pendingRecords = pendingRecords + 1
                return block
            }
            bytesRead += count
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            if let found = finder.advance(over: bytes), let end = finder.firstBoundary {
                // `end` closes the skipped record; what follows it in the chunk is kept.
                pending.append(contentsOf: bytes[end.offset...])
                scanned = pending.count
                pendingOffset += skipped + end.offset
                (pendingLine, pendingRecords) = (end.line, end.records)
                if found.offset > end.offset {
                    lastBoundary = RecordBoundaryFinder.Boundary(offset: found.offset - end.offset, line: found.line, records: found.records)
                }
                return block
            }
            skipped += count
        }
    }

    private func readChunk() throws(CSVError) {
        let count = try source.read(into: chunk)
        if count == 0 {
            atEnd = true
            return
        }
        bytesRead += count
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        if atStart {
            // Hold the first bytes until a byte-order mark can be recognized, however they arrive.
            guard pending.count >= 3 else { return }
            atStart = false
            if pending[0] == 0xEF, pending[1] == 0xBB, pending[2] == 0xBF {
                pending.removeFirst(3)
                pendingOffset = 3
            }
        }
        let found = pending.withUnsafeBytes { buffer in
            finder.advance(over: UnsafeRawBufferPointer(rebasing: buffer[scanned...]))
        }
        if let found {
            lastBoundary = RecordBoundaryFinder.Boundary(offset: scanned + found.offset, line: found.line, records: found.records)
        }
        scanned = pending.count
    }

    private func cut(at boundary: RecordBoundaryFinder.Boundary) -> CSVBlock {
        // The block takes `pending`'s storage as it is; only the bytes after the boundary (less
        // than a chunk, usually) are copied, into storage sized for the next block.
        var next: [UInt8] = []
        next.reserveCapacity(blockSize + options.chunkSize)
        next.append(contentsOf: pending[boundary.offset...])
        pending.removeLast(pending.count - boundary.offset)
        let block = CSVBlock(
            bytes: pending, firstLine: pendingLine, recordsBefore: pendingRecords,
            offset: pendingOffset, delimiter: options.delimiter, maxFieldBytes: options.maxFieldBytes,
            maxFields: options.maxFieldsPerRecord, oversizedRecords: options.oversizedRecords)
        pending = next
        scanned -= boundary.offset
        pendingOffset += boundary.offset
        pendingLine = boundary.line
        pendingRecords = boundary.records
        lastBoundary = nil
        return block
    }
}
