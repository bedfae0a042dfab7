import CreditCore
import Glibc

/// The byte-level RFC 4180 state machine behind ``CSVReader``: the only code in CreditCSV that
/// touches raw buffers.
///
/// Hand-written rather than taken from a package: the CSV packages available here (SwiftCSV,
/// CSV.swift) build a `String` per field and read whole files or decode UTF-8 scalar by scalar,
/// which is an order of magnitude slower than scoring and cannot report physical line numbers
/// for rejects. This scanner reads fixed-size chunks, keeps its state across chunk boundaries
/// (so the records do not depend on how the bytes are split, which the tests check), and writes
/// each record's unescaped field bytes into one reusable buffer: no allocation per record. The
/// buffers are managed by hand so that reading a field costs no reference counting.
final class CSVScanner {
    /// Where the scanner is inside the current record.
    private enum State {
        case fieldStart
        case unquoted
        case quoted
        /// A quote inside a quoted field: either an escaped quote or the closing quote.
        case quoteInQuoted
    }

    let delimiter: UInt8
    let maxFieldBytes: Int
    /// The most fields a record may have; the fields of a longer record are not stored.
    let maxFields: Int
    /// When the caller keeps all input bytes alive until the record is used (a whole block),
    /// unquoted fields point into the input instead of being copied.
    let borrowsInput: Bool

    /// Unescaped bytes of the current record's fields, back to back.
    private var bytes: UnsafeMutablePointer<UInt8>
    private var byteCount = 0
    private var byteCapacity = 4096
    /// End offset in `bytes` of each completed field of the current record.
    private var ends: UnsafeMutablePointer<Int>
    /// For a field that points into the input: its start and length (`nil` when copied).
    private var borrowedStarts: UnsafeMutablePointer<UnsafeRawPointer?>
    private var borrowedLengths: UnsafeMutablePointer<Int>
    private var endCount = 0
    private var endCapacity = 64
    /// The current field, when it points into the input.
    private var currentBorrow: UnsafeRawPointer?
    private var currentBorrowLength = 0
    /// Physical line (1-based) where the current record starts.
    private(set) var recordLine = 1
    /// Set when the current record's quoting is broken.
    private(set) var quotingProblem: String?
    /// Set when the current record has a field over `maxFieldBytes` or more than `maxFields`
    /// fields: its bytes are then skipped up to its end (memory stays bounded) and its fields are
    /// not usable, but the records after it are read as usual.
    private(set) var sizeProblem: SizeProblem?
    /// `maxFields`, or 0 once the record is oversized (so one comparison guards the fast path).
    private var storableFields: Int

    /// Why a record was too large to keep.
    enum SizeProblem: Equatable {
        /// Field `field` (1-based) is longer than `maxFieldBytes`.
        case fieldTooLarge(field: Int)
        /// The record has more than `maxFields` fields.
        case tooManyFields
        /// The record is longer than a block and `maxFieldBytes` together: it was skipped unread.
        case recordTooLarge
    }

    private var state = State.fieldStart
    private var line = 1
    private var fieldStart = 0
    /// The previous byte was a CR inside a quoted field: an LF right after it is the same line break.
    private var quotedCarriageReturn = false
    /// A CR ended the previous record; a following LF belongs to it.
    private var pendingCarriageReturn = false
    private var recordHasContent = false

    /// A scanner whose first byte is on physical line `firstLine`.
    init(delimiter: UInt8, maxFieldBytes: Int, maxFields: Int = CSVReadOptions().maxFieldsPerRecord, firstLine: Int = 1, borrowsInput: Bool = false) {
        self.delimiter = delimiter
        self.maxFieldBytes = maxFieldBytes
        self.maxFields = maxFields
        self.storableFields = maxFields
        self.borrowsInput = borrowsInput
        self.line = firstLine
        self.recordLine = firstLine
        bytes = .allocate(capacity: byteCapacity)
        ends = .allocate(capacity: endCapacity)
        borrowedStarts = .allocate(capacity: endCapacity)
        borrowedLengths = .allocate(capacity: endCapacity)
    }

    deinit {
        bytes.deallocate()
        ends.deallocate()
        borrowedStarts.deallocate()
        borrowedLengths.deallocate()
    }

    /// The outcome of feeding bytes.
    enum Step {
        /// A record is complete; `consumed` bytes of the input were used.
        case record(consumed: Int)
        /// All input bytes were consumed without completing a record.
        case needMoreInput
    }

    /// Clears the previous record before scanning the next one.
    func beginRecord() {
        byteCount = 0
        currentBorrow = nil
        endCount = 0
        fieldStart = 0
        quotingProblem = nil
        sizeProblem = nil
        storableFields = maxFields
        recordHasContent = false
        recordLine = line
    }

    /// Scans `input` until a record completes or the input is exhausted. A record over the size
    /// limits completes with ``sizeProblem`` set.
    func scan(_ input: UnsafeRawBufferPointer) -> Step {
        let quote = UInt8(ascii: "\"")
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var index = 0
        let count = input.count
        while index < count {
            let byte = input[index]
            index += 1
            if pendingCarriageReturn {
                pendingCarriageReturn = false
                if byte == lineFeed { continue }
            }
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart, byte == quote {
                    state = .quoted
                    recordHasContent = true
                } else if byte == delimiter {
                    endField()
                    recordHasContent = true
                } else if byte == lineFeed || byte == carriageReturn {
                    line += 1
                    pendingCarriageReturn = byte == carriageReturn
                    if endRecordIfNotBlank() { return .record(consumed: index) }
                } else {
                    // Copy the run of ordinary bytes up to the next delimiter or line break at once.
                    var end = index
                    while end < count {
                        let next = input[end]
                        if next == delimiter || next == lineFeed || next == carriageReturn { break }
                        end += 1
                    }
                    let run = UnsafeRawBufferPointer(rebasing: input[(index - 1)..<end])
                    if borrowsInput, state == .fieldStart, sizeProblem == nil {
                        if run.count <= maxFieldBytes {
                            currentBorrow = run.baseAddress
                            currentBorrowLength = run.count
                        } else {
                            overflow(.fieldTooLarge(field: endCount + 1))
                        }
                    } else {
                        append(run)
                    }
                    index = end
                    state = .unquoted
                    recordHasContent = true
                }
            case .quoted:
                if byte == quote {
                    state = .quoteInQuoted
                    quotedCarriageReturn = false
                } else {
                    // CR, LF and CRLF inside quotes are each one physical line.
                    if byte == carriageReturn || (byte == lineFeed && !quotedCarriageReturn) { line += 1 }
                    quotedCarriageReturn = byte == carriageReturn
                    append(byte)
                }
            case .quoteInQuoted:
                if byte == quote {
                    append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                } else if byte == lineFeed || byte == carriageReturn {
                    line += 1
                    pendingCarriageReturn = byte == carriageReturn
                    endField()
                    state = .fieldStart
                    return .record(consumed: index)
                } else {
                    if quotingProblem == nil { quotingProblem = "text after the closing quote of field \(endCount + 1)" }
                    append(byte)
                    state = .unquoted
                }
            }
        }
        return .needMoreInput
    }

    /// ``scan(_:)`` for input known to hold no quote and no CR (checked by the caller once per
    /// block), with borrowed fields: every record is the bytes up to the next LF, split at the
    /// delimiter. The delimiters and line feeds are found eight bytes at a time (see
    /// ``zeroBytes(_:)``). Gives exactly what ``scan(_:)`` gives on such input, which the tests
    /// check on random input.
    /// A record over the size limits completes with ``sizeProblem`` set.
    func scanPlain(_ input: UnsafeRawBufferPointer) -> Step {
        precondition(borrowsInput && state == .fieldStart && endCount == 0, "scanPlain starts a record in borrowing mode")
        guard let base = input.baseAddress else { return .needMoreInput }
        let count = input.count
        let lineFeed = UInt8(ascii: "\n")
        var position = 0
        // A line with nothing on it is not a record.
        while position < count, input[position] == lineFeed {
            position += 1
            line += 1
            recordLine = line
        }
        var fieldStart = position
        let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
        let lineFeedWord = UInt64(lineFeed) &* 0x0101_0101_0101_0101
        // Every delimiter and line feed of a word ends a field; a line feed also ends the record.
        while position + 8 <= count {
            let word = UInt64(littleEndian: (base + position).loadUnaligned(as: UInt64.self))
            let lineFeeds = Self.zeroBytes(word ^ lineFeedWord)
            var ends = Self.zeroBytes(word ^ delimiterWord) | lineFeeds
            while ends != 0 {
                let lowest = ends & (0 &- ends)
                let special = position + ends.trailingZeroBitCount >> 3
                ends ^= lowest
                borrowField(base + fieldStart, length: special - fieldStart)
                fieldStart = special + 1
                if lineFeeds & lowest != 0 {
                    line += 1
                    return .record(consumed: special + 1)
                }
            }
            position += 8
        }
        while position < count {
            let byte = input[position]
            position += 1
            guard byte == delimiter || byte == lineFeed else { continue }
            borrowField(base + fieldStart, length: position - 1 - fieldStart)
            fieldStart = position
            if byte == lineFeed {
                line += 1
                return .record(consumed: position)
            }
        }
        // The input ends inside a record (the last one, without a final LF): ``finish()`` ends it.
        if fieldStart < count || endCount > 0 {
            if count - fieldStart <= maxFieldBytes {
                currentBorrow = UnsafeRawPointer(base + fieldStart)
                currentBorrowLength = count - fieldStart
            } else {
                overflow(.fieldTooLarge(field: endCount + 1))
            }
            state = fieldStart < count ? .unquoted : .fieldStart
            recordHasContent = true
        }
        return .needMoreInput
    }

    /// A word with the high bit set in exactly the bytes of `word` that are zero (no false
    /// positives, unlike the shorter `(x - 0x01…) & ~x & 0x80…`, whose borrows can mark a byte
    /// after a zero one).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low7) &+ low7) | word | low7)
    }

    /// Ends a field that points into the input (``scanPlain(_:)``: nothing is copied).
    @inline(__always)
    private func borrowField(_ start: UnsafeRawPointer, length: Int) {
        // One comparison each on the hot path: `storableFields` is 0 once the record is oversized.
        guard length <= maxFieldBytes, endCount < storableFields else { return borrowFieldOverLimit(length: length) }
        if endCount == endCapacity { growFields() }
        ends[endCount] = byteCount
        borrowedStarts[endCount] = start
        borrowedLengths[endCount] = length
        endCount += 1
    }

    /// Ends the input: completes a last record without a final newline, if there is one.
    /// Returns `false` when there was no pending record.
    func finish() -> Bool {
        switch state {
        case .quoted:
            quotingProblem = "the quote opened in field \(endCount + 1) is never closed"
            endField()
        case .quoteInQuoted, .unquoted:
            endField()
        case .fieldStart:
            guard recordHasContent else { return false }
            endField()
        }
        state = .fieldStart
        return true
    }

    /// Makes the current record one that was skipped as too long to hold, starting on `line`.
    func markSkipped(line: Int) {
        beginRecord()
        recordLine = line
        sizeProblem = .recordTooLarge
    }

    /// Throws the error of the current record's size problem, unless `policy` flags such records.
    func checkSize(source: String, policy: CSVReadOptions.OversizedRecords) throws(CSVError) {
        guard policy == .stop, let sizeProblem else { return }
        switch sizeProblem {
        case .fieldTooLarge, .recordTooLarge: throw .fieldTooLarge(InputLocation(source: source, line: recordLine), limit: maxFieldBytes)
        case .tooManyFields: throw .tooManyFields(InputLocation(source: source, line: recordLine), limit: maxFields)
        }
    }

    /// The current record's size problem as text for a reject, or `nil`.
    var sizeProblemText: String? {
        switch sizeProblem {
        case nil: return nil
        case .fieldTooLarge(let field): return "field \(field) is longer than \(maxFieldBytes) bytes (is a quote left unclosed?)"
        case .tooManyFields: return "the row has more than \(maxFields) fields"
        case .recordTooLarge: return "the row is too long to read (a field over \(maxFieldBytes) bytes, or an unclosed quote?)"
        }
    }

    /// Number of fields in the current record.
    var fieldCount: Int { endCount }

    /// Calls `body` with the bytes of field `index` of the current record.
    @inline(__always)
    func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < endCount, "field index out of range")
        if let borrowed = borrowedStarts[index] {
            return try body(UnsafeRawBufferPointer(start: borrowed, count: borrowedLengths[index]))
        }
        let start = index == 0 ? 0 : ends[index - 1]
        return try body(UnsafeRawBufferPointer(start: bytes + start, count: ends[index] - start))
    }

    // MARK: - Private

    /// Why ``borrowField(_:length:)`` stores nothing: the record was already oversized, or this field makes it so.
    private func borrowFieldOverLimit(length: Int) {
        guard sizeProblem == nil else { return }
        overflow(length > maxFieldBytes ? .fieldTooLarge(field: endCount + 1) : .tooManyFields)
    }

    /// Marks the record as too large: nothing more of it is stored.
    private func overflow(_ problem: SizeProblem) {
        if sizeProblem == nil { sizeProblem = problem }
        currentBorrow = nil
        storableFields = 0
    }

    private func append(_ byte: UInt8) {
        guard sizeProblem == nil else { return }
        guard byteCount - fieldStart < maxFieldBytes else { return overflow(.fieldTooLarge(field: endCount + 1)) }
        if byteCount == byteCapacity { growBytes(to: byteCapacity * 2) }
        bytes[byteCount] = byte
        byteCount += 1
    }

    private func append(_ run: UnsafeRawBufferPointer) {
        guard sizeProblem == nil else { return }
        guard byteCount - fieldStart + run.count <= maxFieldBytes else { return overflow(.fieldTooLarge(field: endCount + 1)) }
        if byteCount + run.count > byteCapacity { growBytes(to: max(byteCapacity * 2, byteCount + run.count)) }
        UnsafeMutableRawPointer(bytes + byteCount).copyMemory(from: run.baseAddress!, byteCount: run.count)
        byteCount += run.count
    }

    private func growBytes(to capacity: Int) {
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: bytes, count: byteCount)
        bytes.deallocate()
        bytes = grown
        byteCapacity = capacity
    }

    private func endField() {
        if endCount >= storableFields, sizeProblem == nil { overflow(.tooManyFields) }
        guard sizeProblem == nil else {
            fieldStart = byteCount
            state = .fieldStart
            return
        }
        if endCount == endCapacity { growFields() }
        ends[endCount] = byteCount
        borrowedStarts[endCount] = currentBorrow
        borrowedLengths[endCount] = currentBorrowLength
        currentBorrow = nil
        endCount += 1
        fieldStart = byteCount
        state = .fieldStart
    }

    private func growFields() {
        let capacity = endCapacity * 2
        ends = Self.moved(ends, count: endCount, capacity: capacity)
        borrowedStarts = Self.moved(borrowedStarts, count: endCount, capacity: capacity)
        borrowedLengths = Self.moved(borrowedLengths, count: endCount, capacity: capacity)
        endCapacity = capacity
    }

    /// A larger allocation holding the first `count` elements of `old`, which is freed.
    private static func moved<T>(_ old: UnsafeMutablePointer<T>, count: Int, capacity: Int) -> UnsafeMutablePointer<T> {
        let grown = UnsafeMutablePointer<T>.allocate(capacity: capacity)
        grown.moveInitialize(from: old, count: count)
        old.deallocate()
        return grown
    }

    /// Ends the record at a line break; a line with nothing on it is skipped, not a record.
    private func endRecordIfNotBlank() -> Bool {
        if !recordHasContent {
            recordLine = line
            return false
        }
        endField()
        return true
    }

}

/// Finds record boundaries without copying fields: the same states and line counting as
/// ``CSVScanner``, so input can be cut into blocks that parse independently (in parallel) and
/// give exactly the records and line numbers of one sequential scan.
struct RecordBoundaryFinder {
    private enum State {
        case fieldStart
        case unquoted
        case quoted
        case quoteInQuoted
    }

    let delimiter: UInt8
    private var state = State.fieldStart
    private var pendingCarriageReturn = false
    private var recordHasContent = false
    /// Physical line the next byte is on.
    private(set) var line = 1
    /// The previous byte was a CR inside a quoted field: an LF right after it is the same line break.
    private var quotedCarriageReturn = false
    /// Records (non-blank) completed so far.
    private(set) var records = 0
    /// The first boundary found by the last ``advance(over:)`` (which returns the last one).
    private(set) var firstBoundary: Boundary?

    init(delimiter: UInt8) { self.delimiter = delimiter }

    /// A position where a block may end: the offset after a record, with the line and record
    /// counts at that point.
    struct Boundary {
        var offset: Int
        var line: Int
        var records: Int
    }

    /// Advances over `input` and returns the last boundary in it, if any. A CR as the very last
    /// byte is not a boundary yet (an LF may follow in the next bytes).
    mutating func advance(over input: UnsafeRawBufferPointer) -> Boundary? {
        firstBoundary = nil
        if let fast = advanceWithoutQuotes(over: input) { return fast }
        let quote = UInt8(ascii: "\"")
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var last: Boundary?
        var index = 0
        let count = input.count
        while index < count {
            let byte = input[index]
            index += 1
            if pendingCarriageReturn {
                pendingCarriageReturn = false
                if byte == lineFeed {
                    last = Boundary(offset: index, line: line, records: records)
                    if firstBoundary == nil { firstBoundary = last }
                    continue
                }
                last = Boundary(offset: index - 1, line: line, records: records)
                if firstBoundary == nil { firstBoundary = last }
            }
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart, byte == quote {
                    state = .quoted
                    recordHasContent = true
                } else if byte == delimiter {
                    state = .fieldStart
                    recordHasContent = true
                } else if byte == lineFeed || byte == carriageReturn {
                    line += 1
                    if recordHasContent { records += 1 }
                    recordHasContent = false
                    state = .fieldStart
                    if byte == carriageReturn {
                        pendingCarriageReturn = true
                    } else {
                        last = Boundary(offset: index, line: line, records: records)
                        if firstBoundary == nil { firstBoundary = last }
                    }
                } else {
                    state = .unquoted
                    recordHasContent = true
                }
            case .quoted:
                if byte == quote {
                    state = .quoteInQuoted
                    quotedCarriageReturn = false
                } else {
                    // CR, LF and CRLF inside quotes are each one physical line, as in the scanner.
                    if byte == carriageReturn || (byte == lineFeed && !quotedCarriageReturn) { line += 1 }
                    quotedCarriageReturn = byte == carriageReturn
                }
            case .quoteInQuoted:
                if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    state = .fieldStart
                } else if byte == lineFeed || byte == carriageReturn {
                    line += 1
                    records += 1
                    recordHasContent = false
                    state = .fieldStart
                    if byte == carriageReturn {
                        pendingCarriageReturn = true
                    } else {
                        last = Boundary(offset: index, line: line, records: records)
                        if firstBoundary == nil { firstBoundary = last }
                    }
                } else {
                    state = .unquoted
                }
            }
        }
        return last
    }

    /// The common case, fast: outside quotes, with no quote or CR anywhere in `input`, every LF
    /// ends a line and `memchr` finds them. Returns `nil` (having changed nothing) when the input
    /// needs the full state machine.
    private mutating func advanceWithoutQuotes(over input: UnsafeRawBufferPointer) -> Boundary?? {
        guard state == .fieldStart || state == .unquoted, !pendingCarriageReturn, let base = input.baseAddress, input.count > 0,
            memchr(base, 0x22, input.count) == nil, memchr(base, 0x0D, input.count) == nil
        else { return nil }
        var last: Boundary?
        var lineStart = 0
        var hasContent = recordHasContent
        while lineStart < input.count, let found = memchr(base + lineStart, 0x0A, input.count - lineStart) {
            let position = base.distance(to: UnsafeRawPointer(found))
            if hasContent || position > lineStart { records += 1 }
            line += 1
            hasContent = false
            lineStart = position + 1
            last = Boundary(offset: lineStart, line: line, records: records)
            if firstBoundary == nil { firstBoundary = last }
        }
        if lineStart < input.count {
            recordHasContent = true
            state = input[input.count - 1] == delimiter ? .fieldStart : .unquoted
        } else {
            recordHasContent = hasContent
            state = .fieldStart
        }
        return .some(last)
    }
}
