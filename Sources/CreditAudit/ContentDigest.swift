public import FoundationEssentials
import Crypto

/// SHA-256 digests of documents and data, as lowercase hex, and the canonical JSON encoding that
/// makes a document's digest independent of key order and white space.
public enum ContentDigest {
    /// The canonical JSON of `value`: keys sorted, no insignificant white space, slashes
    /// unescaped, numbers in their shortest round-trip form. Decoding and re-encoding a canonical
    /// document gives the same bytes.
    /// - Throws: `EncodingError` when the value holds a non-finite number.
    public static func canonicalJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Bytes as lowercase hex.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// An incremental SHA-256 for data that arrives in chunks (a training file being read).
public struct StreamingDigest: Sendable {
    private var hasher = SHA256()

    /// A digest of no bytes yet.
    public init() {}

    /// Adds `bytes` to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The SHA-256 of everything added, as 64 lowercase hex digits.
    public func finalizeHex() -> String {
        ContentDigest.hex(hasher.finalize())
    }
}
