/// A parsed GGUF file: header, metadata, tensor table, and zero-copy access to tensor data.
///
/// Opening a file validates everything up to and including the tensor table (see
/// ``GGUFError`` for what is checked); tensor data is not read until asked for. The object is
/// immutable after init and safe to share between tasks.
///
/// ```swift
/// let file = try GGUFFile(path: "model.gguf")
/// let layers = try file.int("llama.block_count")
/// let embeddings = try file.tensor(named: "token_embd.weight")
/// embeddings.withUnsafeBytes { bytes in /* ... */ }
/// ```
public final class GGUFFile: Sendable {
    /// The path the file was opened from; nil for a file parsed from bytes.
    public let path: String?
    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// Alignment of tensor data: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute byte offset where tensor data starts.
    public let dataOffset: Int
    /// Size of the file in bytes.
    public let byteCount: Int
    /// All metadata by key.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]

    private let storage: MappedFile
    private let tensorIndex: [String: Int]

    /// Maps the file at `path` read-only and parses it. A missing or unreadable file throws
    /// ``GGUFError/cannotOpen(path:reason:)``.
    public convenience init(path: String) throws {
        try self.init(storage: try MappedFile(path: path), path: path)
    }

    /// Parses a copy of `bytes` held in memory (for tests and fuzzing).
    public convenience init(bytes: [UInt8]) throws {
        try self.init(storage: MappedFile(copying: bytes), path: nil)
    }

    private init(storage: MappedFile, path: String?) throws(GGUFError) {
        let parsed = try withExtendedLifetime(storage) { () throws(GGUFError) -> ParsedGGUF in
            try GGUFParser.parse(storage.bytes)
        }
        self.storage = storage
        self.path = path
        self.version = parsed.version
        self.alignment = parsed.alignment
        self.dataOffset = parsed.dataOffset
        self.byteCount = storage.bytes.count
        self.metadata = parsed.metadata
        self.metadataKeys = parsed.metadataKeys
        self.tensors = parsed.tensors
        var index: [String: Int] = [:]
        index.reserveCapacity(parsed.tensors.count)
        for (position, tensor) in parsed.tensors.enumerated() {
            index[tensor.name] = position
        }
        self.tensorIndex = index
    }

    /// The info of the tensor called `name`, or nil.
    public func tensorInfo(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// A zero-copy view of the tensor called `name`; throws
    /// ``GGUFError/tensorNotFound(_:)`` naming it when there is none.
    public func tensor(named name: String) throws -> GGUFTensor {
        guard let info = tensorInfo(named: name) else { throw GGUFError.tensorNotFound(name) }
        return tensor(info)
    }

    /// A zero-copy view of the tensor `info` describes.
    ///
    /// `info` should come from this file's ``tensors``; an info whose bytes do not lie inside
    /// this file's data section yields an empty view rather than reading out of bounds.
    public func tensor(_ info: GGUFTensorInfo) -> GGUFTensor {
        let dataSize = byteCount - dataOffset
        guard info.offset >= 0, info.byteCount >= 0, info.offset <= dataSize,
            info.byteCount <= dataSize - info.offset
        else {
            return GGUFTensor(info: info, storage: storage, range: 0..<0)
        }
        let start = dataOffset + info.offset
        return GGUFTensor(info: info, storage: storage, range: start..<(start + info.byteCount))
    }

    /// The metadata value under `key`, or nil.
    public func value(_ key: String) -> GGUFValue? {
        metadata[key]
    }

    /// Reads every page of the tensor data once (so the first forward pass does not stall on
    /// page faults), calling `progress` with the fraction done (0...1) now and then.
    /// Does nothing but report 0 and 1 for a file parsed from bytes.
    public func prefault(progress: ((Double) -> Void)?) {
        storage.prefault(min(dataOffset, byteCount)..<byteCount, progress: progress)
    }
}
