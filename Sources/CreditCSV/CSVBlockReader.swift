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

    /// The block's first record as text (the header, in the first block of an input).
    /// - Throws: ``CSVError/fieldTooLarge(_:limit:)``.
    public func firstRecord(source: String) throws -> (fields: [String], line: Int)? {
        var first: (fields: [String], line: Int)?
        try forEachRecord(source: source) { record in
            first = ((0..<record.fieldCount).map { record.string(at: $0) }, record.line)
            return false
        }
        return first
    }

    /// Calls `body` once per record of the block, in order, until it returns `false`.
    /// - Throws: ``CSVError/fieldTooLarge(_:limit:)`` or what `body` throws.
    public func forEachRecord(source: String, _ body: (CSVRecord) throws -> Bool) throws {
        try forEachRecord(source: source, allowPlainScan: true, body)
    }

    /// ``forEachRecord(source:_:)``; `allowPlainScan: false` forces the general state machine even
    /// where the block has no quote and no CR (for the tests that compare the two).
    func forEachRecord(source: String, allowPlainScan: Bool, _ body: (CSVRecord) throws -> Bool) throws {
        let scanner = CSVScanner(delimiter: delimiter, maxFieldBytes: maxFieldBytes, firstLine: firstLine, borrowsInput: true)
        try bytes.withUnsafeBytes { buffer in
            // Most files have no quotes and no CRs: then every record is a plain split.
            let plain = allowPlainScan && buffer.count > 0 && memchr(buffer.baseAddress!, 0x22, buffer.count) == nil
                && memchr(buffer.baseAddress!, 0x0D, buffer.count) == nil
            var position = 0
            while true {
                scanner.beginRecord()
                let step: CSVScanner.Step
                do throws(CSVScanner.FieldTooLarge) {
                    let rest = UnsafeRawBufferPointer(rebasing: buffer[position...])
                    step = plain ? try scanner.scanPlain(rest) : try scanner.scan(rest)
                } catch {
                    throw CSVError.fieldTooLarge(InputLocation(source: source, line: error.line), limit: maxFieldBytes)
                }
                switch step {
                case .record(let consumed):
                    position += consumed
                    guard try body(CSVRecord(scanner)) else { return }
                case .needMoreInput:
                    if scanner.finish() { _ = try body(CSVRecord(scanner)) }
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
                throw .fieldTooLarge(InputLocation(source: sourceName, line: lastBoundary?.line ?? pendingLine), limit: options.maxFieldBytes)
            }
            try readChunk()
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
            offset: pendingOffset, delimiter: options.delimiter, maxFieldBytes: options.maxFieldBytes)
        pending = next
        scanned -= boundary.offset
        pendingOffset += boundary.offset
        pendingLine = boundary.line
        pendingRecords = boundary.records
        lastBoundary = nil
        return block
    }
}
