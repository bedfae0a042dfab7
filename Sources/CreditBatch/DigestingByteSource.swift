import CreditCSV
import CreditAudit

/// A byte source that computes the SHA-256 of everything read through it, so a training file's
/// digest costs no second pass.
final class DigestingByteSource: ByteSource {
    private var base: any ByteSource
    private(set) var digest = StreamingDigest()

    init(_ base: any ByteSource) { self.base = base }

    var name: String { base.name }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int {
        let count = try base.read(into: buffer)
        digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        return count
    }
}
