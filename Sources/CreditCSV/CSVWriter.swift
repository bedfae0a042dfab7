import Glibc

/// Writes CSV records to a file or standard output through a 256 KiB buffer.
///
/// Fields are quoted only when they must be (they contain the delimiter, a quote, CR or LF);
/// quotes inside are doubled. Numbers are written in their shortest round-trip form, so reading
/// them back gives the same `Double`. Records end with LF.
public final class CSVWriter {
    /// The destination's name, for messages.
    public let destinationName: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private var fieldsInRecord = 0
    private static let flushThreshold = 256 << 10

    /// Creates (or truncates) `path` for writing; `-` means standard output.
    /// - Throws: ``CSVError/cannotOpen(path:reason:)``.
    public init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(CSVError) {
        self.delimiter = delimiter
        if path == "-" {
            destinationName = "stdout"
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .cannotOpen(path: path, reason: systemErrorText()) }
            destinationName = fileName(of: path)
            descriptor = fd
            ownsDescriptor = true
        }
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Appends a text field, quoting it when needed.
    public func write(field text: String) {
        separate()
        var needsQuotes = false
        for byte in text.utf8 where byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            buffer.append(contentsOf: text.utf8)
            return
        }
        buffer.append(0x22)
        for byte in text.utf8 {
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
        }
        buffer.append(0x22)
    }

    /// Appends raw field bytes, quoting them when needed.
    public func write(fieldBytes bytes: UnsafeRawBufferPointer) {
        write(field: String(decoding: bytes, as: UTF8.self))
    }

    /// Appends a number in its shortest round-trip form (`0.1`, `612.5`, `1e-20`).
    public func write(number: Double) {
        separate()
        if number == number.rounded(), abs(number) < 1e15 {
            buffer.append(contentsOf: String(Int64(number)).utf8)
        } else {
            buffer.append(contentsOf: number.description.utf8)
        }
    }

    /// Appends an integer.
    public func write(integer: Int) {
        separate()
        buffer.append(contentsOf: String(integer).utf8)
    }

    /// Ends the record; flushes when the buffer is full.
    /// - Throws: ``CSVError/writeFailed(destination:reason:)``.
    public func endRecord() throws(CSVError) {
        buffer.append(0x0A)
        fieldsInRecord = 0
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes a whole record of text fields.
    public func write(record fields: [String]) throws(CSVError) {
        for field in fields { write(field: field) }
        try endRecord()
    }

    /// Writes out everything buffered.
    /// - Throws: ``CSVError/writeFailed(destination:reason:)``.
    public func flush() throws(CSVError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(destination: destinationName, reason: systemErrorText())
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func separate() {
        if fieldsInRecord > 0 { buffer.append(delimiter) }
        fieldsInRecord += 1
    }
}
