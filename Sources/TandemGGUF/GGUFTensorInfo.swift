/// Where one tensor lives in a GGUF file and what shape and type it has.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// The dimensions, `ne[0]` first; `ne[0]` is the row length and is contiguous.
    public let dims: [Int]
    /// The element type.
    public let type: GGMLType
    /// Byte offset of the data, relative to the start of the data section.
    public let offset: Int
    /// The product of `dims` (1 for a tensor with no dimensions).
    public let elementCount: Int
    /// Bytes of data: `elementCount / type.blockSize * type.blockBytes`.
    public let byteCount: Int
}
