#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#endif

/// Builds a GGUF file: metadata in insertion order, then tensors in insertion order, each
/// tensor's data aligned to `alignment`.
///
/// When `alignment` is not the default 32, `general.alignment` is written as the first
/// metadata entry (unless set explicitly to the same u32). Empty arrays are written with
/// element type u8, since ``GGUFValue`` does not keep an empty array's element type.
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.set("general.architecture", .string("llama"))
/// try writer.addTensor(name: "output_norm.weight", type: .f32, dims: [4], bytes: [UInt8](repeating: 0, count: 16))
/// try writer.write(to: "/tmp/tiny.gguf")
/// ```
public struct GGUFWriter: Sendable {
    private struct Entry: Sendable {
        let key: String
        var value: GGUFValue
    }

    private struct PendingTensor: Sendable {
        let name: String
        let type: GGMLType
        let dims: [Int]
        let bytes: [UInt8]
    }

    /// The GGUF version written (2 or 3; the layouts are the same).
    public let version: UInt32
    /// Alignment of tensor data in bytes (a power of two).
    public let alignment: Int
    private var entries: [Entry] = []
    private var entryIndex: [String: Int] = [:]
    private var pendingTensors: [PendingTensor] = []
    private var tensorNames: Set<String> = []

    /// A writer for GGUF `version` with tensor data aligned to `alignment`. Unsupported
    /// settings are reported by ``serialize()``.
    public init(version: UInt32 = 3, alignment: Int = 32) {
        self.version = version
        self.alignment = alignment
    }

    /// Sets `key` to `value`. A new key goes after the existing ones; setting an existing key
    /// replaces its value in place.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let index = entryIndex[key] {
            entries[index].value = value
        } else {
            entryIndex[key] = entries.count
            entries.append(Entry(key: key, value: value))
        }
    }

    /// Adds a tensor whose data is `bytes`. `dims` lists `ne[0]` first and has at most four
    /// entries, each ≥ 0; `ne[0]` must be a whole number of `type`'s blocks; `bytes.count`
    /// must equal `type.byteCount(elements:)` of the element count; names must be unique.
    public mutating func addTensor(name: String, type: GGMLType, dims: [Int], bytes: [UInt8]) throws {
        guard !tensorNames.contains(name) else {
            throw GGUFError.invalidTensor(tensor: name, reason: "a tensor with this name was already added")
        }
        guard dims.count <= GGUFParser.maximumDimensions else {
            throw GGUFError.invalidTensor(tensor: name, reason: "\(dims.count) dimensions, at most 4 allowed")
        }
        var elementCount = 1
        for (index, size) in dims.enumerated() {
            guard size >= 0 else {
                throw GGUFError.invalidTensor(tensor: name, reason: "dimension \(index) is negative (\(size))")
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw GGUFError.invalidTensor(tensor: name, reason: "element count overflows") }
            elementCount = product
        }
        let rowLength = dims.first ?? 1
        guard rowLength % type.blockSize == 0, let expectedBytes = type.byteCount(elements: elementCount) else {
            throw GGUFError.invalidTensor(
                tensor: name,
                reason: "row length \(rowLength) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        guard bytes.count == expectedBytes else {
            throw GGUFError.invalidTensor(
                tensor: name, reason: "\(bytes.count) bytes given, \(type) \(dims) takes \(expectedBytes)")
        }
        tensorNames.insert(name)
        pendingTensors.append(PendingTensor(name: name, type: type, dims: dims, bytes: bytes))
    }

    /// The complete file.
    public func serialize() throws -> [UInt8] {
        guard version == 2 || version == 3 else {
            throw GGUFError.invalidWriterSettings("version \(version) (only 2 and 3 can be written)")
        }
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Int(UInt32.max) else {
            throw GGUFError.invalidWriterSettings("alignment \(alignment) is not a power of two that fits in u32")
        }
        let alignmentValue = GGUFValue.uint32(UInt32(alignment))
        var metadata = entries
        if let index = entryIndex[GGUFParser.alignmentKey] {
            guard entries[index].value == alignmentValue else {
                throw GGUFError.invalidValue(
                    key: GGUFParser.alignmentKey,
                    reason:
                        "set to \(entries[index].value.typeName) \(entries[index].value.briefText) but the writer aligns to u32 \(alignment)"
                )
            }
        } else if alignment != GGUFParser.defaultAlignment {
            metadata.insert(Entry(key: GGUFParser.alignmentKey, value: alignmentValue), at: 0)
        }

        var output = ByteSink()
        output.append(GGUFParser.magic)
        output.append(version)
        output.append(UInt64(pendingTensors.count))
        output.append(UInt64(metadata.count))
        for entry in metadata {
            output.append(entry.key)
            output.append(entry.value.valueType.rawValue)
            try output.append(entry.value, key: entry.key)
        }

        var dataOffset = 0
        for tensor in pendingTensors {
            output.append(tensor.name)
            output.append(UInt32(tensor.dims.count))
            for size in tensor.dims { output.append(UInt64(size)) }
            output.append(tensor.type.rawValue)
            output.append(UInt64(dataOffset))
            dataOffset += Self.padded(tensor.bytes.count, to: alignment)
        }
        output.pad(to: alignment)
        for tensor in pendingTensors {
            output.bytes.append(contentsOf: tensor.bytes)
            output.pad(to: alignment)
        }
        return output.bytes
    }

    /// Serializes the file and writes it to `path`, replacing any file there.
    public func write(to path: String) throws {
        let bytes = try serialize()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GGUFError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var remaining = buffer
            while let start = remaining.baseAddress, !remaining.isEmpty {
                let result = writeToDescriptor(descriptor, start, remaining.count)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw GGUFError.writeFailed(path: path, reason: String(cString: strerror(errno)))
                }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[result...])
            }
        }
    }

    private static func padded(_ count: Int, to alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }
}

/// `write(2)`; a free function because inside ``GGUFWriter`` the name means its own method.
private func writeToDescriptor(_ descriptor: Int32, _ start: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, start, count)
}

/// Little-endian encoding of GGUF fields into a growing byte array.
private struct ByteSink {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ string: String) {
        append(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }

    mutating func pad(to alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - remainder)) }
    }

    /// Appends the payload of `value` (its type id is written by the caller).
    mutating func append(_ value: GGUFValue, key: String) throws(GGUFError) {
        switch value {
        case .uint8(let value): append(value)
        case .int8(let value): append(value)
        case .uint16(let value): append(value)
        case .int16(let value): append(value)
        case .uint32(let value): append(value)
        case .int32(let value): append(value)
        case .uint64(let value): append(value)
        case .int64(let value): append(value)
        case .float32(let value): append(value.bitPattern)
        case .float64(let value): append(value.bitPattern)
        case .bool(let value): append(UInt8(value ? 1 : 0))
        case .string(let value): append(value)
        case .array(let elements):
            let elementType = elements.first?.valueType ?? .uint8
            guard elements.allSatisfy({ $0.valueType == elementType }) else {
                throw .invalidValue(key: key, reason: "array elements differ in type (GGUF arrays hold one type)")
            }
            append(elementType.rawValue)
            append(UInt64(elements.count))
            for element in elements { try append(element, key: key) }
        }
    }
}
