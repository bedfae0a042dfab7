import Glibc

/// Writes CSV text to a file or standard output, through a buffer flushed every 256 KiB.
///
/// A file is written under a temporary name, `PATH.partial` in the same directory, and only
/// ``commit()`` renames it to `PATH` (after an `fsync`). A run that fails or is killed before
/// then leaves `PATH.partial` with every record written so far, and never a plausible-looking
/// partial file under the final name; an existing `PATH` is untouched until the rename.
///
/// Build records with ``formatter`` (or pass whole formatted blocks to ``write(_:)``), then call
/// ``commit()`` at the end.
public final class CSVWriter {
    /// The destination's name, for messages.
    public let destinationName: String
    /// Records appended here are written by the next ``endRecord()`` or ``flush()``.
    public var formatter: CSVFormatter
    private let descriptor: Int32
    /// Final and temporary path of a file destination; `nil` for standard output.
    private let paths: (final: String, temporary: String)?
    private var committed = false
    private static let flushThreshold = 256 << 10

    /// The suffix of the temporary file a destination is written to before ``commit()``.
    public static let partialSuffix = ".partial"

    /// Creates `PATH.partial` for writing (truncating an earlier one); `-` means standard output.
    /// - Throws: ``CSVError/cannotCreate(path:reason:)``.
    public init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(CSVError) {
        formatter = CSVFormatter(delimiter: delimiter, capacity: Self.flushThreshold + 4096)
        if path == "-" {
            destinationName = "stdout"
            descriptor = STDOUT_FILENO
            paths = nil
        } else {
            let temporary = path + Self.partialSuffix
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .cannotCreate(path: path, reason: systemErrorText()) }
            destinationName = fileName(of: path)
            descriptor = fd
            paths = (path, temporary)
        }
    }

    deinit {
        if paths != nil, !committed { close(descriptor) }
    }

    /// Writes out everything buffered and, for a file, syncs it and renames `PATH.partial` to
    /// `PATH`. Call once, at the end; nothing may be written after it.
    /// - Throws: ``CSVError/writeFailed(destination:reason:)``.
    public func commit() throws(CSVError) {
        precondition(!committed, "a CSVWriter is committed once")
        try flush()
        guard let paths else { return }
        guard fsync(descriptor) == 0 else { throw .writeFailed(destination: destinationName, reason: systemErrorText()) }
        committed = true
        let closed = close(descriptor)
        guard closed == 0 else { throw .writeFailed(destination: destinationName, reason: systemErrorText()) }
        guard rename(paths.temporary, paths.final) == 0 else {
            throw .writeFailed(destination: destinationName, reason: systemErrorText())
        }
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
