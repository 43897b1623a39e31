/// A byte string as a dictionary key, hashed in one pass over its memory (`[UInt8]`'s own hashing
/// feeds the hasher one element at a time, several times slower on the tokenizer's hot paths).
struct ByteKey: Hashable, Sendable {
    var bytes: [UInt8]

    @inlinable init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inlinable func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inlinable static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }
}
