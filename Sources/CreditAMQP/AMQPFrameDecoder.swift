import NIOCore

/// Splits the byte stream from the broker into frames, refusing one over `maximumSize`.
struct AMQPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = AMQPFrame
    let maximumSize: UInt32

    mutating func decode(buffer: inout ByteBuffer) throws -> AMQPFrame? {
        try AMQPFrame.read(from: &buffer, maximumSize: maximumSize)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> AMQPFrame? {
        try decode(buffer: &buffer)
    }
}
