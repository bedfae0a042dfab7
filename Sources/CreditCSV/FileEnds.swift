import Glibc

/// The size and the first and last bytes of a file: what a resumed run compares to tell one
/// input from another without reading all of it.
public struct FileEnds: Sendable, Equatable {
    /// The file's name, as messages and summaries give it.
    public var name: String
    public var size: Int
    /// Up to `count` bytes from the start, and (when the file is longer) up to `count` from the
    /// end, never overlapping the head.
    public var head: [UInt8]
    public var tail: [UInt8]

    /// Reads the ends of the file at `path`; nil when it cannot be opened or read.
    public init?(path: String, count: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        func bytes(at offset: Int, _ length: Int) -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: length)
            var done = 0
            while done < length {
                let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, length - done, off_t(offset + done)) }
                if got < 0 { return nil }
                if got == 0 { break }
                done += got
            }
            return Array(buffer.prefix(done))
        }
        let size = Int(status.st_size)
        guard let head = bytes(at: 0, min(size, count)) else { return nil }
        let tailStart = max(count, size - count)
        guard let tail = size > count ? bytes(at: tailStart, size - tailStart) : [] else { return nil }
        (self.name, self.size, self.head, self.tail) = (fileName(of: path), size, head, tail)
    }
}
