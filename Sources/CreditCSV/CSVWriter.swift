import Glibc

/// Writes CSV text to a file or standard output, through a buffer flushed every 256 KiB.
///
/// Build records with ``formatter`` (or pass whole formatted blocks to ``write(_:)``), then call
/// ``flush()`` at the end.
public final class CSVWriter {
    /// The destination's name, for messages.
    public let destinationName: String
    /// Records appended here are written by the next ``endRecord()`` or ``flush()``.
    public var formatter: CSVFormatter
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private static let flushThreshold = 256 << 10

    /// Creates (or truncates) `path` for writing; `-` means standard output.
    /// - Throws: ``CSVError/cannotOpen(path:reason:)``.
    public init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(CSVError) {
        formatter = CSVFormatter(delimiter: delimiter, capacity: Self.flushThreshold + 4096)
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
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Ends the formatter's current record; flushes when the buffer is full.
    /// - Throws: ``CSVError/writeFailed(destination:reason:)``.
    public func endRecord() throws(CSVError) {
        formatter.endRecord()
        if formatter.count >= Self.flushThreshold { try flush() }
    }

    /// Writes a whole record of text fields.
    public func write(record fields: [String]) throws(CSVError) {
        formatter.append(record: fields)
        if formatter.count >= Self.flushThreshold { try flush() }
    }

    /// Writes already formatted text (whole records), after anything buffered: all of it, or its
    /// first `byteCount` bytes (which must end a record).
    public func write(_ text: CSVFormatter, byteCount: Int? = nil) throws(CSVError) {
        try flush()
        try writeAll(text.bytes, count: byteCount ?? text.bytes.count)
    }

    /// Writes out everything buffered.
    /// - Throws: ``CSVError/writeFailed(destination:reason:)``.
    public func flush() throws(CSVError) {
        try writeAll(formatter.bytes)
        formatter.removeAll()
    }

    private func writeAll(_ bytes: [UInt8], count: Int? = nil) throws(CSVError) {
        let count = count ?? bytes.count
        precondition(count <= bytes.count, "cannot write more bytes than there are")
        var offset = 0
        while offset < count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(destination: destinationName, reason: systemErrorText())
            }
            offset += written
        }
    }
}
