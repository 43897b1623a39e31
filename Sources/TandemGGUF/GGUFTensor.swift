/// A zero-copy view of one tensor's bytes; keeps its file mapped while it lives.
public struct GGUFTensor: Sendable {
    /// Name, shape, type and placement of the tensor.
    public let info: GGUFTensorInfo
    let storage: MappedFile
    /// Absolute byte range in `storage`, checked against the file size when the file was parsed.
    let range: Range<Int>

    init(info: GGUFTensorInfo, storage: MappedFile, range: Range<Int>) {
        self.info = info
        self.storage = storage
        self.range = range
    }

    /// Calls `body` with the tensor's `info.byteCount` bytes, straight from the mapping.
    /// The pointer must not escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
        }
    }

    /// A copy of the tensor's bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}
