import NIOCore

/// A value in an AMQP field table (message headers, declare arguments), with the type octets
/// RabbitMQ uses (its errata to the 0-9-1 grammar, which every broker and client follows).
public enum AMQPFieldValue: Hashable, Sendable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case decimal(scale: UInt8, value: UInt32)
    /// A long string: bytes, not necessarily UTF-8.
    case longString([UInt8])
    case array([AMQPFieldValue])
    case timestamp(UInt64)
    case table(AMQPTable)
    case void
    case bytes([UInt8])

    /// A long string holding `text` as UTF-8.
    public static func text(_ text: String) -> AMQPFieldValue { .longString(Array(text.utf8)) }

    /// The text of a long string that is valid UTF-8, else nil.
    public var text: String? {
        guard case .longString(let bytes) = self else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The value as a signed integer, whatever integer type the sender chose.
    public var integer: Int64? {
        switch self {
        case .int8(let value): Int64(value)
        case .uint8(let value): Int64(value)
        case .int16(let value): Int64(value)
        case .uint16(let value): Int64(value)
        case .int32(let value): Int64(value)
        case .uint32(let value): Int64(value)
        case .int64(let value): value
        default: nil
        }
    }
}

/// A field table: names (short strings) to values. Written in name order, so equal tables
/// give equal bytes.
public typealias AMQPTable = [String: AMQPFieldValue]

/// Tables and arrays nest; a hostile peer must not be able to exhaust the stack with them.
let maximumNesting = 16

extension ByteBuffer {
    mutating func readOctet(_ what: String) throws(AMQPCodecError) -> UInt8 {
        guard let value = readInteger(as: UInt8.self) else { throw .truncated(what) }
        return value
    }

    mutating func readShort(_ what: String) throws(AMQPCodecError) -> UInt16 {
        guard let value = readInteger(as: UInt16.self) else { throw .truncated(what) }
        return value
    }

    mutating func readLong(_ what: String) throws(AMQPCodecError) -> UInt32 {
        guard let value = readInteger(as: UInt32.self) else { throw .truncated(what) }
        return value
    }

    mutating func readLongLong(_ what: String) throws(AMQPCodecError) -> UInt64 {
        guard let value = readInteger(as: UInt64.self) else { throw .truncated(what) }
        return value
    }

    mutating func readShortString(_ what: String) throws(AMQPCodecError) -> String {
        let length = try readOctet(what)
        guard let bytes = readBytes(length: Int(length)) else { throw .truncated(what) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("\(what) is not UTF-8") }
        return text
    }

    mutating func readLongBytes(_ what: String) throws(AMQPCodecError) -> [UInt8] {
        let length = try readLong(what)
        guard length <= readableBytes, let bytes = readBytes(length: Int(length)) else { throw .truncated(what) }
        return bytes
    }

    mutating func readTable(_ what: String, depth: Int = 0) throws(AMQPCodecError) -> AMQPTable {
        guard depth < maximumNesting else { throw .malformed("\(what) nests deeper than \(maximumNesting)") }
        var content = try readSized(what)
        var table: AMQPTable = [:]
        while content.readableBytes > 0 {
            let name = try content.readShortString("\(what) field name")
            table[name] = try content.readFieldValue("\(what).\(name)", depth: depth)
        }
        return table
    }

    /// The next `long`-sized part, as its own buffer.
    private mutating func readSized(_ what: String) throws(AMQPCodecError) -> ByteBuffer {
        let length = try readLong(what)
        guard length <= readableBytes, let content = readSlice(length: Int(length)) else { throw .truncated(what) }
        return content
    }

    private mutating func readFieldValue(_ what: String, depth: Int) throws(AMQPCodecError) -> AMQPFieldValue {
        let type = try readOctet(what)
        switch UnicodeScalar(type) {
        case "t": return .bool(try readOctet(what) != 0)
        case "b": return .int8(Int8(bitPattern: try readOctet(what)))
        case "B": return .uint8(try readOctet(what))
        case "s": return .int16(Int16(bitPattern: try readShort(what)))
        case "u": return .uint16(try readShort(what))
        case "I": return .int32(Int32(bitPattern: try readLong(what)))
        case "i": return .uint32(try readLong(what))
        case "l": return .int64(Int64(bitPattern: try readLongLong(what)))
        case "f": return .float(Float(bitPattern: try readLong(what)))
        case "d": return .double(Double(bitPattern: try readLongLong(what)))
        case "D": return .decimal(scale: try readOctet(what), value: try readLong(what))
        case "S": return .longString(try readLongBytes(what))
        case "x": return .bytes(try readLongBytes(what))
        case "T": return .timestamp(try readLongLong(what))
        case "V": return .void
        case "F": return .table(try readTable(what, depth: depth + 1))
        case "A":
            guard depth + 1 < maximumNesting else { throw .malformed("\(what) nests deeper than \(maximumNesting)") }
            var content = try readSized(what)
            var values: [AMQPFieldValue] = []
            while content.readableBytes > 0 { values.append(try content.readFieldValue("\(what)[\(values.count)]", depth: depth + 1)) }
            return .array(values)
        default: throw .malformed("\(what) has an unknown field type \(type)")
        }
    }

    mutating func writeShortString(_ text: String, _ what: String) throws(AMQPCodecError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= 255 else { throw .tooLong("\(what) is \(bytes.count) bytes, a short string holds 255") }
        writeInteger(UInt8(bytes.count))
        writeBytes(bytes)
    }

    mutating func writeLongBytes(_ bytes: [UInt8], _ what: String) throws(AMQPCodecError) {
        guard bytes.count <= UInt32.max else { throw .tooLong(what) }
        writeInteger(UInt32(bytes.count))
        writeBytes(bytes)
    }

    mutating func writeTable(_ table: AMQPTable, _ what: String) throws(AMQPCodecError) {
        try writeSized(what) { (buffer: inout ByteBuffer) throws(AMQPCodecError) in
            for name in table.keys.sorted() {
                try buffer.writeShortString(name, "\(what) field name")
                try buffer.writeFieldValue(table[name]!, "\(what).\(name)")
            }
        }
    }

    /// Writes a `long` length, then what `body` writes, then sets the length.
    private mutating func writeSized(_ what: String, _ body: (inout ByteBuffer) throws(AMQPCodecError) -> Void) throws(AMQPCodecError) {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        try body(&self)
        let length = writerIndex - lengthIndex - 4
        guard length <= UInt32.max else { throw .tooLong(what) }
        setInteger(UInt32(length), at: lengthIndex)
    }

    private mutating func writeFieldValue(_ value: AMQPFieldValue, _ what: String) throws(AMQPCodecError) {
        func type(_ scalar: Unicode.Scalar) { writeInteger(UInt8(scalar.value)) }
        switch value {
        case .bool(let flag): type("t"); writeInteger(UInt8(flag ? 1 : 0))
        case .int8(let number): type("b"); writeInteger(number)
        case .uint8(let number): type("B"); writeInteger(number)
        case .int16(let number): type("s"); writeInteger(number)
        case .uint16(let number): type("u"); writeInteger(number)
        case .int32(let number): type("I"); writeInteger(number)
        case .uint32(let number): type("i"); writeInteger(number)
        case .int64(let number): type("l"); writeInteger(number)
        case .float(let number): type("f"); writeInteger(number.bitPattern)
        case .double(let number): type("d"); writeInteger(number.bitPattern)
        case .decimal(let scale, let number): type("D"); writeInteger(scale); writeInteger(number)
        case .longString(let bytes): type("S"); try writeLongBytes(bytes, what)
        case .bytes(let bytes): type("x"); try writeLongBytes(bytes, what)
        case .timestamp(let seconds): type("T"); writeInteger(seconds)
        case .void: type("V")
        case .table(let table): type("F"); try writeTable(table, what)
        case .array(let values):
            type("A")
            try writeSized(what) { (buffer: inout ByteBuffer) throws(AMQPCodecError) in
                for (index, element) in values.enumerated() { try buffer.writeFieldValue(element, "\(what)[\(index)]") }
            }
        }
    }
}
