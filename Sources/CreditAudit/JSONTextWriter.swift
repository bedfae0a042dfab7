/// Writes JSON text exactly as Foundation's `JSONEncoder` writes it with `.sortedKeys` and
/// `.withoutEscapingSlashes` (the form of ``ContentDigest/canonicalJSON(_:)``): no white space,
/// strings with only `"`, `\` and control characters escaped, numbers as their shortest
/// round-trip text without a trailing `.0`.
///
/// For the documents the score service writes on every request (the response, the audit rows
/// whose hashes chain the store), where `JSONEncoder` was too slow. The caller writes the members
/// of each object in key order (by UTF-8 bytes), as `.sortedKeys` would; the tests check every
/// document written this way against `JSONEncoder`.
package struct JSONTextWriter: Sendable {
    /// A number that JSON cannot hold (NaN or an infinity) was written.
    package struct NonFiniteNumber: Error, Equatable {}

    private var bytes: [UInt8] = []
    /// Whether the next value or key follows another in the same array or object.
    private var needsComma = false
    private var wroteNonFinite = false

    /// An empty document.
    package init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written.
    /// - Throws: ``NonFiniteNumber`` when a number written was NaN or infinite (as `JSONEncoder`
    ///   refuses to encode one).
    package func text() throws(NonFiniteNumber) -> [UInt8] {
        guard !wroteNonFinite else { throw NonFiniteNumber() }
        return bytes
    }

    // MARK: - Containers

    /// Opens an object (`{`).
    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Closes the open object (`}`).
    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Opens an array (`[`).
    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Closes the open array (`]`).
    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Starts an object member; its value follows.
    package mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: - Values

    /// A string value.
    package mutating func string(_ text: String) {
        separate()
        appendQuoted(text)
        needsComma = true
    }

    /// A number as `JSONEncoder` writes a `Double`: its `description` without a final `.0`.
    package mutating func number(_ value: Double) {
        separate()
        if !value.isFinite { wroteNonFinite = true }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// An integer value.
    package mutating func integer(_ value: some BinaryInteger) {
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    /// `true` or `false`.
    package mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// `null`.
    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    // MARK: - Private

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// `text` in quotes, escaped as `JSONEncoder` escapes (`\b \f \n \r \t`, other control
    /// characters as `\u00XX` in lowercase hex, and `"` and `\`).
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
        } else {
            let hexDigits = Array("0123456789abcdef".utf8)
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(hexDigits[Int(byte >> 4)])
                    bytes.append(hexDigits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
