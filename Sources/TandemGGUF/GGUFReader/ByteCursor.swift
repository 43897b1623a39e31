/// Reads little-endian fields from a byte buffer front to back, checking every read against
/// the bytes that remain.
///
/// The buffer must stay valid while the cursor is used; the parser only creates cursors
/// inside a scope that keeps the file's storage alive. `what` arguments are autoclosures so
/// that messages are only built when a read fails.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    mutating func readInteger<T: FixedWidthInteger>(
        _: T.Type, _ what: @autoclosure () -> String
    ) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw .truncated(what: what(), offset: offset, needed: size, available: remaining)
        }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat32(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try readInteger(UInt32.self, what()))
    }

    mutating func readFloat64(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try readInteger(UInt64.self, what()))
    }

    /// Reads a GGUF string: u64 byte length, then that many bytes of UTF-8 (no terminator).
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try readInteger(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw .stringLengthPastEnd(what: what(), offset: start, length: length, available: remaining)
        }
        let end = offset + Int(length)
        let utf8 = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw .invalidUTF8(what: what(), offset: start)
        }
        offset = end
        return string
    }

    /// Checks that `count` items of at least `minimumSize` bytes each can fit in what is
    /// left, so that a corrupt count never drives a huge allocation or a long loop.
    func checkCount(
        _ count: UInt64, minimumSize: Int, countOffset: Int, _ what: @autoclosure () -> String
    ) throws(GGUFError) {
        guard count <= UInt64(remaining / max(minimumSize, 1)) else {
            throw .countPastEnd(what: what(), offset: countOffset, count: count, available: remaining)
        }
    }
}
