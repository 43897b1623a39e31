import CTandemKernels
import TandemGGUF

/// A row-major matrix of `rows` rows × `cols` columns stored in a GGML type — zero-copy over
/// mmapped GGUF data, or over bytes it owns.
///
/// A row is `cols / type.blockSize` blocks; rows are contiguous. All sizes are checked when the
/// matrix is made, so the kernels can read it without further checks.
public struct WeightMatrix: @unchecked Sendable {
    /// The types the kernels can multiply with: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q4_K, q6_K.
    public static let supportedTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q4_K, .q6_K]

    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    /// Bytes of one row.
    public let rowBytes: Int

    /// Start of row 0; valid for rows·rowBytes bytes while `owner` lives.
    let base: UnsafeRawPointer
    /// Keeps the memory behind `base` alive (an owned buffer or the mapped file).
    let owner: AnyObject?

    /// A matrix over a copy of `bytes` (exactly rows · cols/blockSize · blockBytes of them).
    public init(name: String, type: GGMLType, rows: Int, cols: Int, bytes: [UInt8]) throws {
        let rowBytes = try Self.validate(name: name, type: type, rows: rows, cols: cols)
        guard bytes.count == rowBytes * rows else {
            throw KernelError.shape(
                "\(name): \(bytes.count) bytes, expected \(rowBytes * rows) for \(rows)×\(cols) \(type)")
        }
        let storage = OwnedBytes(bytes)
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.rowBytes = rowBytes
        self.base = UnsafeRawPointer(storage.pointer)
        self.owner = storage
    }

    /// A zero-copy matrix over a GGUF tensor (its file stays mapped while the matrix lives).
    /// GGUF dims are [cols, rows]; a 1-D tensor is one row. Throws ``KernelError`` for an
    /// unsupported type, more than 2 dimensions (beyond trailing 1s), or `cols` not a multiple
    /// of the type's block size.
    public init(tensor: GGUFTensor) throws {
        let info = tensor.info
        guard Self.supportedTypes.contains(info.type) else {
            throw KernelError.unsupportedType(info.type, tensor: info.name)
        }
        guard let cols = info.dims.first, info.dims.dropFirst(2).allSatisfy({ $0 == 1 }) else {
            throw KernelError.shape("\(info.name): dims \(info.dims) are not a matrix")
        }
        let rows = info.dims.count >= 2 ? info.dims[1] : 1
        let holder = TensorHolder(tensor)
        guard let address = tensor.withUnsafeBytes({ $0.baseAddress }) else {
            throw KernelError.shape("\(info.name): no data")
        }
        // The mapping is immutable and lives as long as `holder` (which holds the tensor).
        try self.init(
            name: info.name, type: info.type, rows: rows, cols: cols,
            unsafeBase: address, byteCount: info.byteCount, owner: holder)
    }

    /// A matrix over memory someone else owns (e.g. an mmapped file). `base` must stay valid for
    /// `byteCount` bytes while `owner` is alive; `byteCount` must be rows·rowBytes or more.
    public init(
        name: String, type: GGMLType, rows: Int, cols: Int,
        unsafeBase base: UnsafeRawPointer, byteCount: Int, owner: AnyObject?
    ) throws {
        let rowBytes = try Self.validate(name: name, type: type, rows: rows, cols: cols)
        guard byteCount >= rowBytes * rows else {
            throw KernelError.shape(
                "\(name): \(byteCount) bytes, expected \(rowBytes * rows) for \(rows)×\(cols) \(type)")
        }
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.rowBytes = rowBytes
        self.base = base
        self.owner = owner
    }

    private static func validate(name: String, type: GGMLType, rows: Int, cols: Int) throws -> Int {
        guard supportedTypes.contains(type) else { throw KernelError.unsupportedType(type, tensor: name) }
        guard rows >= 1, cols >= 1 else { throw KernelError.shape("\(name): \(rows)×\(cols) is empty") }
        guard cols % type.blockSize == 0, let rowBytes = type.byteCount(elements: cols) else {
            throw KernelError.shape(
                "\(name): \(cols) columns is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        let (_, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow else { throw KernelError.shape("\(name): \(rows)×\(cols) overflows") }
        return rowBytes
    }

    /// Writes the `cols` dequantized values of row `row` to `out[offset ..< offset + cols]`.
    /// Preconditions (caller bugs): `0 ≤ row < rows`, `out.count ≥ offset + cols`.
    public func dequantizeRow(_ row: Int, into out: inout [Float], at offset: Int = 0) {
        precondition(row >= 0 && row < rows, "row \(row) out of 0..<\(rows)")
        precondition(offset >= 0 && out.count - offset >= cols, "output too small")
        out.withUnsafeMutableBufferPointer { buffer in
            _ = tk_dequantize_row(
                Int32(type.rawValue), base + row * rowBytes,
                buffer.baseAddress! + offset, Int64(cols))
        }
        withExtendedLifetime(owner) {}
    }
}

/// Heap bytes with a stable, 64-byte-aligned address.
final class OwnedBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(_ bytes: [UInt8]) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { pointer.copyMemory(from: address, byteCount: source.count) }
        }
    }

    deinit { pointer.deallocate() }
}

/// Keeps a GGUF tensor (and so its mapped file) alive.
final class TensorHolder: Sendable {
    let tensor: GGUFTensor
    init(_ tensor: GGUFTensor) { self.tensor = tensor }
}
