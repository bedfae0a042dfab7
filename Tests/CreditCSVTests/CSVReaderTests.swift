import CreditCore
import CreditTestSupport
import Testing

@testable import CreditCSV

/// A source that serves `bytes` in pieces of the given sizes (cycled), to prove chunk independence.
struct ChunkedSource: ByteSource {
    let name = "memory.csv"
    let bytes: [UInt8]
    let pieces: [Int]
    private var offset = 0
    private var piece = 0

    init(_ text: String, pieces: [Int] = [1 << 20]) {
        self.init(bytes: Array(text.utf8), pieces: pieces)
    }

    init(bytes: [UInt8], pieces: [Int]) {
        self.bytes = bytes
        self.pieces = pieces
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int {
        let count = min(pieces[piece % pieces.count], buffer.count, bytes.count - offset)
        piece += 1
        for i in 0..<count { buffer[i] = bytes[offset + i] }
        offset += count
        return count
    }
}

/// One parsed record: its line, fields and quoting problem.
struct ParsedRecord: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]
    var problem: String?
    var description: String { "\(line): \(fields)\(problem.map { " [\($0)]" } ?? "")" }
}

func parse(_ source: ChunkedSource, options: CSVReadOptions = CSVReadOptions()) throws -> [ParsedRecord] {
    let reader = CSVReader(source: source, options: options)
    var records: [ParsedRecord] = []
    while try reader.readRecord() {
        records.append(ParsedRecord(reader.record))
    }
    return records
}

extension ParsedRecord {
    init(_ record: CSVRecord) {
        self.init(line: record.line, fields: (0..<record.fieldCount).map { record.string(at: $0) }, problem: record.quotingProblem)
    }
}

/// Parses through ``CSVBlockReader`` blocks of `blockSize` bytes, each block on its own;
/// `allowPlainScan: false` keeps blocks without quotes or CRs on the general state machine.
func parseInBlocks(
    _ text: String, blockSize: Int, pieces: [Int], allowPlainScan: Bool = true, maxFieldBytes: Int = 16 << 20
) throws -> [ParsedRecord] {
    var options = CSVReadOptions()
    options.chunkSize = max(1, pieces.min() ?? 1)
    options.maxFieldBytes = maxFieldBytes
    let reader = CSVBlockReader(source: ChunkedSource(text, pieces: pieces), options: options, blockSize: blockSize)
    var records: [ParsedRecord] = []
    var expectedRecordsBefore = 0
    while let block = try reader.nextBlock() {
        #expect(block.recordsBefore == expectedRecordsBefore, "records before a block of \(text.debugDescription)")
        try block.forEachRecord(source: "memory.csv", allowPlainScan: allowPlainScan) { record in
            records.append(ParsedRecord(record))
            return true
        }
        expectedRecordsBefore = records.count
    }
    return records
}

func parse(_ text: String, chunkSize: Int = 1 << 20) throws -> [ParsedRecord] {
    var options = CSVReadOptions()
    options.chunkSize = chunkSize
    return try parse(ChunkedSource(text), options: options)
}

/// Inputs covering every state of the scanner, for the chunking invariance test.
let corpus: [String] = [
    "id,name,amount\n1,Budi,100\n2,Siti,200\n",
    "a,b\r\n1,2\r\n3,4",
    "\u{FEFF}a,b\n1,2\n",
    "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n",
    "a,b\n\"\",\n,\"\"\n",
    "a,b\n\n\n1,2\n\r\n3,4\n",
    "a,b\n\"open,2\n3,4\n",
    "a,b\n\"closed\"junk,2\n5,6\n",
    "a\rb\rc",
    "h\n\"q\"\r\n\"\"\"\"\r\n",
    "a,b\n\n1,2\n\n\n3,4\n,\n5,",
    "x,y\n1,2\n3,4\n\"5\",6\n7,8\n",
    "a,b\r\"x\ry\",1\r\"p\r\nq\",2\rlast,3\r",
]

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("plain records with line numbers")
    func plain() throws {
        #expect(try parse("id,name\n1,Budi\n2,Siti\n") == [
            ParsedRecord(line: 1, fields: ["id", "name"]),
            ParsedRecord(line: 2, fields: ["1", "Budi"]),
            ParsedRecord(line: 3, fields: ["2", "Siti"]),
        ])
    }

    @Test("quoted fields: delimiters, escaped quotes, embedded line breaks; lines count physical lines")
    func quoting() throws {
        #expect(try parse("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n4,5\n") == [
            ParsedRecord(line: 1, fields: ["a", "b"]),
            ParsedRecord(line: 2, fields: ["x, y", "say \"hi\""]),
            ParsedRecord(line: 3, fields: ["multi\nline", "z"]),
            ParsedRecord(line: 5, fields: ["4", "5"]),
        ])
    }

    @Test("CRLF and CR line endings, a final record without newline")
    func lineEndings() throws {
        #expect(try parse("a,b\r\n1,2\r\n3,4") == [
            ParsedRecord(line: 1, fields: ["a", "b"]), ParsedRecord(line: 2, fields: ["1", "2"]), ParsedRecord(line: 3, fields: ["3", "4"]),
        ])
        #expect(try parse("a\rb\rc").map(\.fields) == [["a"], ["b"], ["c"]])
    }

    @Test("a CR inside a quoted field is a line, as an LF or a CRLF is (regression: CR-only files had wrong line numbers)")
    func carriageReturnInsideQuotes() throws {
        let text = "a,b\r\"x\ry\",1\r\"p\r\nq\",2\r\"m\nn\",3\rlast,4\r"
        let expected = [
            ParsedRecord(line: 1, fields: ["a", "b"]), ParsedRecord(line: 2, fields: ["x\ry", "1"]),
            ParsedRecord(line: 4, fields: ["p\r\nq", "2"]), ParsedRecord(line: 6, fields: ["m\nn", "3"]),
            ParsedRecord(line: 8, fields: ["last", "4"]),
        ]
        #expect(try parse(text) == expected)
        #expect(try parse(text, chunkSize: 1) == expected)
        for blockSize in [1, 3, 7, 1 << 20] {
            #expect(try parseInBlocks(text, blockSize: blockSize, pieces: [1]) == expected, "block size \(blockSize)")
        }
    }

    @Test("a UTF-8 byte-order mark is skipped, even when it arrives one byte at a time")
    func byteOrderMark() throws {
        var options = CSVReadOptions()
        options.chunkSize = 1
        #expect(try parse(ChunkedSource("\u{FEFF}a,b\n1,2\n", pieces: [1]), options: options).first?.fields == ["a", "b"])
        #expect(try parse("\u{FEFF}a,b\n1,2\n").first?.fields == ["a", "b"])
    }

    @Test("blank lines are skipped and do not shift line numbers")
    func blankLines() throws {
        #expect(try parse("a,b\n\n\n1,2\n\r\n3,4\n") == [
            ParsedRecord(line: 1, fields: ["a", "b"]), ParsedRecord(line: 4, fields: ["1", "2"]), ParsedRecord(line: 6, fields: ["3", "4"]),
        ])
    }

    @Test("empty fields, quoted and unquoted")
    func emptyFields() throws {
        #expect(try parse("a,b\n\"\",\n,\"\"\n").map(\.fields) == [["a", "b"], ["", ""], ["", ""]])
    }

    @Test("empty input and header-only input")
    func emptyInputs() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("a,b\n") == [ParsedRecord(line: 1, fields: ["a", "b"])])
    }

    @Test("an unclosed quote at the end of the input is reported on its record")
    func unclosedQuote() throws {
        let records = try parse("a,b\n\"open,2\n3,4\n")
        #expect(records.count == 2)
        #expect(records[1].line == 2)
        #expect(records[1].problem == "the quote opened in field 1 is never closed")
    }

    @Test("text after a closing quote marks the record and reading continues")
    func textAfterClosingQuote() throws {
        let records = try parse("a,b\n\"closed\"junk,2\n5,6\n")
        #expect(records[1].problem == "text after the closing quote of field 1")
        #expect(records[2] == ParsedRecord(line: 3, fields: ["5", "6"]))
    }

    @Test("a 1 MB field is read whole; a field over the limit stops the read with its line")
    func hugeFields() throws {
        let big = String(repeating: "x", count: 1 << 20)
        let records = try parse("a,b\n\"\(big)\",1\n", chunkSize: 4096)
        #expect(records[1].fields[0].utf8.count == 1 << 20)
        var options = CSVReadOptions()
        options.maxFieldBytes = 1000
        #expect(throws: CSVError.fieldTooLarge(InputLocation(source: "memory.csv", line: 2), limit: 1000)) {
            try parse(ChunkedSource("a\n\"" + String(repeating: "y", count: 5000)), options: options)
        }
    }

    @Test("records are the same however the bytes are split", arguments: [1, 2, 3, 5, 7, 64])
    func chunkingInvariance(piece: Int) throws {
        for text in corpus {
            let whole = try parse(text)
            var options = CSVReadOptions()
            options.chunkSize = piece
            #expect(try parse(ChunkedSource(text, pieces: [piece]), options: options) == whole, "input \(text.debugDescription)")
            #expect(try parse(ChunkedSource(text, pieces: [1, piece, 2]), options: CSVReadOptions()) == whole, "input \(text.debugDescription)")
        }
    }

    @Test("blocks cut at record boundaries give the records and lines of one sequential read",
          arguments: [1, 2, 5, 16, 1 << 20])
    func blocksEqualSequential(blockSize: Int) throws {
        for text in corpus + ["a,b\r", "a,b\r\r\n1,2\r", "x\n\"a\r\nb\"\r\n\"c\"\"\"\r\nlast"] {
            let sequential = try parse(text)
            #expect(try parseInBlocks(text, blockSize: blockSize, pieces: [1]) == sequential, "input \(text.debugDescription)")
            #expect(try parseInBlocks(text, blockSize: blockSize, pieces: [3, 1, 7]) == sequential, "input \(text.debugDescription)")
        }
    }

    @Test("blocks without quotes or CRs (the word-at-a-time scan) give exactly the records of the general scan",
          arguments: [3, 64, 1 << 20])
    func plainScanMatchesGeneral(blockSize: Int) throws {
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let alphabet = ["a", "b", "9", "-", ".", "x_y", "é", " "]
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<next(12) {
                text += String(repeating: "\n", count: next(4) == 0 ? next(3) + 1 : 0)
                // Field lengths around the 8-byte word: empty, short, and longer than a word.
                let fields = (0..<(next(10) + 1)).map { _ in (0..<next(20)).map { _ in alphabet[next(alphabet.count)] }.joined() }
                text += fields.joined(separator: ",") + "\n"
            }
            if next(2) == 0, text.hasSuffix("\n") { text.removeLast() }
            let general = try parseInBlocks(text, blockSize: blockSize, pieces: [5, 64], allowPlainScan: false)
            #expect(try parseInBlocks(text, blockSize: blockSize, pieces: [5, 64]) == general, "input \(text.debugDescription)")
            #expect(try parse(text) == general, "input \(text.debugDescription)")
        }
    }

    @Test("the word-at-a-time scan enforces the field limit with the record's line, inside a record and at the end")
    func plainScanFieldLimit() throws {
        for text in ["a,b\n1,12345678901234\n3,4\n", "a,b\n\n1,2\n3,12345678901234"] {
            let line = text.hasPrefix("a,b\n1") ? 2 : 4
            for allowPlainScan in [true, false] {
                #expect(throws: CSVError.fieldTooLarge(InputLocation(source: "memory.csv", line: line), limit: 10), "\(text.debugDescription)") {
                    _ = try parseInBlocks(text, blockSize: 1 << 20, pieces: [1 << 20], allowPlainScan: allowPlainScan, maxFieldBytes: 10)
                }
            }
        }
    }

    @Test("a record longer than the block and field limits stops the block reader with its line")
    func blockReaderFieldLimit() throws {
        var options = CSVReadOptions()
        options.maxFieldBytes = 100
        let reader = CSVBlockReader(source: ChunkedSource("a\n1\n\"" + String(repeating: "y", count: 5000)), options: options, blockSize: 10)
        #expect(throws: CSVError.fieldTooLarge(InputLocation(source: "memory.csv", line: 3), limit: 100)) {
            while try reader.nextBlock() != nil {}
        }
    }

    @Test("a custom delimiter")
    func semicolonDelimiter() throws {
        var options = CSVReadOptions()
        options.delimiter = UInt8(ascii: ";")
        #expect(try parse(ChunkedSource("a;b\n1,5;2\n"), options: options).map(\.fields) == [["a", "b"], ["1,5", "2"]])
    }
}

@Suite("File ends, for telling one input from another")
struct FileEndsTests {
    @Test("head and tail are the first and last bytes, never overlapping; a short file has no tail", arguments: [10, 1_000, 1_500, 3_000])
    func ends(size: Int) throws {
        let directory = try TemporaryDirectory()
        let text = String((0..<size).map { Character(Unicode.Scalar(UInt8(65 + ($0 * 7) % 26))) })
        let bytes = Array(text.utf8)
        let path = try directory.write("in.csv", text)
        let ends = try #require(FileEnds(path: path, count: 1_000))
        #expect(ends.name == "in.csv" && ends.size == size)
        #expect(ends.head == Array(bytes.prefix(1_000)))
        #expect(ends.tail == (size > 1_000 ? Array(bytes[max(1_000, size - 1_000)...]) : []))
        #expect(FileEnds(path: directory.path("missing.csv"), count: 1_000) == nil)
    }
}

/// Readers that flag oversized records instead of stopping: the record comes back with its line
/// and a size problem, and every record after it is read as usual.
@Suite("CSV readers flag oversized records and read on")
struct OversizedRecordTests {
    /// What a record should be read as: its line and fields, or only its line when flagged.
    struct Seen: Equatable, CustomStringConvertible {
        var line: Int
        var fields: [String]?
        var description: String { "\(line): \(fields.map { "\($0)" } ?? "OVERSIZED")" }
    }

    static func options(maxFieldBytes: Int, maxFields: Int = 100_000, chunk: Int = 1 << 20) -> CSVReadOptions {
        var options = CSVReadOptions()
        (options.maxFieldBytes, options.maxFieldsPerRecord, options.oversizedRecords, options.chunkSize) = (maxFieldBytes, maxFields, .flag, chunk)
        return options
    }

    static func seen(_ record: CSVRecord) -> Seen {
        Seen(line: record.line, fields: record.sizeProblem == nil ? (0..<record.fieldCount).map { record.string(at: $0) } : nil)
    }

    /// The reference: read with no limits, then flag the records over them.
    static func reference(_ text: String, maxFieldBytes: Int, maxFields: Int) throws -> [Seen] {
        try parse(text).map { record in
            let over = record.fields.count > maxFields || record.fields.contains { $0.utf8.count > maxFieldBytes }
            return Seen(line: record.line, fields: over ? nil : record.fields)
        }
    }

    static func streamed(_ text: String, options: CSVReadOptions, pieces: [Int]) throws -> [Seen] {
        let reader = CSVReader(source: ChunkedSource(text, pieces: pieces), options: options)
        var out: [Seen] = []
        while try reader.readRecord() { out.append(seen(reader.record)) }
        return out
    }

    static func blocked(_ text: String, options: CSVReadOptions, blockSize: Int, pieces: [Int]) throws -> [Seen] {
        let reader = CSVBlockReader(source: ChunkedSource(text, pieces: pieces), options: options, blockSize: blockSize)
        var out: [Seen] = []
        var expectedRecordsBefore = 0
        while let block = try reader.nextBlock() {
            #expect(block.recordsBefore == expectedRecordsBefore, "\(text.debugDescription)")
            try block.forEachRecord(source: "memory.csv") { record in
                out.append(seen(record))
                return true
            }
            expectedRecordsBefore = out.count
        }
        return out
    }

    @Test("random files with fields far over the limit (quoted, with line breaks, CRLF) read as the reference, in blocks and streamed")
    func randomizedAgainstReference() throws {
        var random = SeededGenerator(seed: 0xC0FFEE)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let limit = 12
        for _ in 0..<400 {
            var text = ""
            let newline = next(3) == 0 ? "\r\n" : "\n"
            for _ in 0..<(next(10) + 1) {
                let fields = (0..<(next(4) + 1)).map { _ -> String in
                    switch next(8) {
                    case 0: return "\"" + String(repeating: "q", count: 40 + next(200)) + "\nz\"\"\""
                    case 1: return String(repeating: "u", count: 30 + next(300))
                    case 2: return "\"a\r\nb\""
                    default: return String(repeating: "v", count: next(limit))
                    }
                }
                text += fields.joined(separator: ",") + newline
                if next(5) == 0 { text += newline }
            }
            let expected = try Self.reference(text, maxFieldBytes: limit, maxFields: 100_000)
            #expect(try Self.streamed(text, options: Self.options(maxFieldBytes: limit, chunk: 7), pieces: [7, 3]) == expected, "\(text.debugDescription)")
            // Blocks of 64 bytes: short records stay within a block; long ones are skipped unread.
            for pieces in [[1 << 20], [5, 17]] {
                #expect(try Self.blocked(text, options: Self.options(maxFieldBytes: limit, chunk: 5), blockSize: 64, pieces: pieces) == expected,
                        "\(text.debugDescription)")
            }
        }
    }

    @Test("a record with more fields than the limit is flagged without storing them, and the next one is read")
    func tooManyFields() throws {
        let wide = Array(repeating: "1", count: 50).joined(separator: ",")
        let text = "a,b\n" + wide + "\n3,4\n"
        let expected = [Seen(line: 1, fields: ["a", "b"]), Seen(line: 2, fields: nil), Seen(line: 3, fields: ["3", "4"])]
        let options = Self.options(maxFieldBytes: 100, maxFields: 10)
        #expect(try Self.streamed(text, options: options, pieces: [4]) == expected)
        #expect(try Self.blocked(text, options: options, blockSize: 1 << 20, pieces: [1 << 20]) == expected)
        var stop = options
        stop.oversizedRecords = .stop
        #expect(throws: CSVError.tooManyFields(InputLocation(source: "memory.csv", line: 2), limit: 10)) {
            _ = try Self.streamed(text, options: stop, pieces: [4])
        }
    }

    @Test("an unclosed quote swallows the rest of the input as one flagged record, never held in memory")
    func unclosedQuote() throws {
        let text = "a\n1\n\"" + String(repeating: "y", count: 5000) + "\n2\n"
        let blocks = try Self.blocked(text, options: Self.options(maxFieldBytes: 100, chunk: 64), blockSize: 64, pieces: [64])
        #expect(blocks == [Seen(line: 1, fields: ["a"]), Seen(line: 2, fields: ["1"]), Seen(line: 3, fields: nil)])
        let header = try CSVBlockReader(
            source: ChunkedSource(String(repeating: "h", count: 500) + "\n1\n"), options: Self.options(maxFieldBytes: 100), blockSize: 64
        ).nextBlock()
        #expect(throws: CSVError.self) { _ = try header?.firstRecord(source: "memory.csv") }
    }
}
