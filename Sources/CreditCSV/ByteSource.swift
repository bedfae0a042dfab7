import Glibc

/// A stream of bytes read in chunks: a file, standard input, or (in tests) memory.
public protocol ByteSource {
    /// The name used in messages (`applications.csv`, `stdin`).
    var name: String { get }
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 at the end of the input.
    /// - Throws: ``CSVError/readFailed(source:reason:)``.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int
}

/// Reads a file, or standard input for the path `-`, with `read(2)`.
public final class FileByteSource: ByteSource {
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` for reading; `-` means standard input.
    /// - Throws: ``CSVError/cannotOpen(path:reason:)``.
    public init(path: String) throws(CSVError) {
        if path == "-" {
            name = "stdin"
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: systemErrorText()) }
        var status = stat()
        if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        name = fileName(of: path)
        descriptor = fd
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .readFailed(source: name, reason: systemErrorText())
        }
    }
}

/// The last path component, used as the source name in messages (no directories of the machine).
func fileName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

/// `strerror(errno)` as a Swift string.
func systemErrorText() -> String {
    String(cString: strerror(errno))
}
