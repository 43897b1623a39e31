/// The header, metadata and tensor table of a GGUF file, validated.
struct ParsedGGUF: Sendable {
    var version: UInt32
    var alignment: Int
    var dataOffset: Int
    var metadata: [String: GGUFValue]
    var metadataKeys: [String]
    var tensors: [GGUFTensorInfo]
}

/// Parses and validates everything before the tensor data; the data itself is not read.
enum GGUFParser {
    static let magic: UInt32 = 0x4655_4747
    static let defaultAlignment = 32
    static let alignmentKey = "general.alignment"
    static let maximumDimensions = 4
    /// Deep enough for any real file, shallow enough that recursion cannot exhaust the stack.
    static let maximumArrayNesting = 16
    /// Smallest key-value entry: empty key (u64 length), u32 type id, one-byte value.
    static let minimumMetadataEntrySize = 8 + 4 + 1
    /// Smallest tensor info: empty name, u32 n_dims = 0, u32 type, u64 offset.
    static let minimumTensorInfoSize = 8 + 4 + 4 + 8

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) -> ParsedGGUF {
        var cursor = ByteCursor(bytes)

        let magic = try cursor.readInteger(UInt32.self, "magic")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        let version = try cursor.readInteger(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        let tensorCountOffset = cursor.offset
        let tensorCount = try cursor.readInteger(UInt64.self, "tensor count")
        let metadataCountOffset = cursor.offset
        let metadataCount = try cursor.readInteger(UInt64.self, "metadata entry count")
        try cursor.checkCount(
            metadataCount, minimumSize: minimumMetadataEntrySize, countOffset: metadataCountOffset,
            "metadata entries")

        var metadata: [String: GGUFValue] = [:]
        var metadataKeys: [String] = []
        metadata.reserveCapacity(Int(metadataCount))
        metadataKeys.reserveCapacity(Int(metadataCount))
        for index in 0..<Int(metadataCount) {
            let keyOffset = cursor.offset
            let key = try cursor.readString("metadata key #\(index)")
            guard metadata[key] == nil else { throw .duplicateKey(key, offset: keyOffset) }
            let typeOffset = cursor.offset
            let typeID = try cursor.readInteger(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: typeID) else {
                throw .unknownValueType(key: key, offset: typeOffset, typeID: typeID)
            }
            metadata[key] = try readValue(of: type, key: key, depth: 0, from: &cursor)
            metadataKeys.append(key)
        }

        let alignment = try alignment(from: metadata)

        try cursor.checkCount(
            tensorCount, minimumSize: minimumTensorInfoSize, countOffset: tensorCountOffset, "tensor infos")
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(Int(tensorCount))
        var tensorNames: Set<String> = []
        for index in 0..<Int(tensorCount) {
            let infoOffset = cursor.offset
            let info = try readTensorInfo(index: index, alignment: alignment, from: &cursor)
            guard tensorNames.insert(info.name).inserted else {
                throw .duplicateTensor(info.name, offset: infoOffset)
            }
            tensors.append(info)
        }

        let endOfInfos = cursor.offset
        let padding = (alignment - endOfInfos % alignment) % alignment
        let dataOffset = endOfInfos + padding
        if dataOffset > bytes.count && !tensors.isEmpty {
            throw .truncated(
                what: "padding before the tensor data", offset: endOfInfos, needed: padding,
                available: bytes.count - endOfInfos)
        }
        // A vocab-only file (no tensors) may end before its padding; it has no data to find.
        let dataSize = max(0, bytes.count - dataOffset)
        try checkTensorPlacement(tensors, dataSize: dataSize)

        return ParsedGGUF(
            version: version, alignment: alignment, dataOffset: dataOffset, metadata: metadata,
            metadataKeys: metadataKeys, tensors: tensors)
    }

    private static func readValue(
        of type: GGUFValueType, key: String, depth: Int, from cursor: inout ByteCursor
    ) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.readInteger(UInt8.self, "u8 value of '\(key)'"))
        case .int8: return .int8(try cursor.readInteger(Int8.self, "i8 value of '\(key)'"))
        case .uint16: return .uint16(try cursor.readInteger(UInt16.self, "u16 value of '\(key)'"))
        case .int16: return .int16(try cursor.readInteger(Int16.self, "i16 value of '\(key)'"))
        case .uint32: return .uint32(try cursor.readInteger(UInt32.self, "u32 value of '\(key)'"))
        case .int32: return .int32(try cursor.readInteger(Int32.self, "i32 value of '\(key)'"))
        case .uint64: return .uint64(try cursor.readInteger(UInt64.self, "u64 value of '\(key)'"))
        case .int64: return .int64(try cursor.readInteger(Int64.self, "i64 value of '\(key)'"))
        case .float32: return .float32(try cursor.readFloat32("f32 value of '\(key)'"))
        case .float64: return .float64(try cursor.readFloat64("f64 value of '\(key)'"))
        case .bool:
            let offset = cursor.offset
            let byte = try cursor.readInteger(UInt8.self, "bool value of '\(key)'")
            guard byte <= 1 else { throw .invalidBool(key: key, offset: offset, byte: byte) }
            return .bool(byte == 1)
        case .string:
            return .string(try cursor.readString("string value of '\(key)'"))
        case .array:
            return try readArray(key: key, depth: depth + 1, from: &cursor)
        }
    }

    private static func readArray(
        key: String, depth: Int, from cursor: inout ByteCursor
    ) throws(GGUFError) -> GGUFValue {
        let typeOffset = cursor.offset
        guard depth <= maximumArrayNesting else {
            throw .arrayNestingTooDeep(key: key, offset: typeOffset, depth: maximumArrayNesting)
        }
        let typeID = try cursor.readInteger(UInt32.self, "array element type of '\(key)'")
        guard let elementType = GGUFValueType(rawValue: typeID) else {
            throw .unknownValueType(key: key, offset: typeOffset, typeID: typeID)
        }
        let countOffset = cursor.offset
        let count = try cursor.readInteger(UInt64.self, "array length of '\(key)'")
        try cursor.checkCount(
            count, minimumSize: elementType.minimumEncodedSize, countOffset: countOffset,
            "array<\(elementType.name)> '\(key)'")
        var elements: [GGUFValue] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            elements.append(try readValue(of: elementType, key: key, depth: depth, from: &cursor))
        }
        return .array(elements)
    }

    private static func alignment(from metadata: [String: GGUFValue]) throws(GGUFError) -> Int {
        guard let value = metadata[alignmentKey] else { return defaultAlignment }
        guard case .uint32(let alignment) = value, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(value)
        }
        return Int(alignment)
    }

    private static func readTensorInfo(
        index: Int, alignment: Int, from cursor: inout ByteCursor
    ) throws(GGUFError) -> GGUFTensorInfo {
        let name = try cursor.readString("name of tensor #\(index)")
        let dimensionCount = try cursor.readInteger(UInt32.self, "dimension count of tensor '\(name)'")
        guard dimensionCount <= maximumDimensions else {
            throw .tooManyDimensions(tensor: name, count: dimensionCount)
        }
        var dims: [Int] = []
        dims.reserveCapacity(Int(dimensionCount))
        var elementCount = 1
        for dimension in 0..<Int(dimensionCount) {
            let raw = try cursor.readInteger(UInt64.self, "dimension \(dimension) of tensor '\(name)'")
            guard let size = Int(exactly: raw) else {
                throw .invalidDimension(tensor: name, index: dimension, value: raw)
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .elementCountOverflow(tensor: name) }
            elementCount = product
            dims.append(size)
        }
        let typeID = try cursor.readInteger(UInt32.self, "type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else {
            throw .unknownTensorType(tensor: name, typeID: typeID)
        }
        // ggml quantizes along rows, so each row (ne[0]) must hold whole blocks.
        let rowLength = dims.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw .partialBlock(tensor: name, type: type, rowLength: rowLength)
        }
        guard let byteCount = type.byteCount(elements: elementCount) else {
            throw .elementCountOverflow(tensor: name)
        }
        let offset = try cursor.readInteger(UInt64.self, "data offset of tensor '\(name)'")
        guard offset % UInt64(alignment) == 0 else {
            throw .misalignedTensor(tensor: name, offset: offset, alignment: alignment)
        }
        guard let dataOffset = Int(exactly: offset) else {
            throw .tensorOutOfBounds(tensor: name, offset: offset, byteCount: byteCount, dataSize: 0)
        }
        return GGUFTensorInfo(
            name: name, dims: dims, type: type, offset: dataOffset, elementCount: elementCount,
            byteCount: byteCount)
    }

    /// Every tensor's bytes must lie inside the data section, and no two may share bytes.
    private static func checkTensorPlacement(_ tensors: [GGUFTensorInfo], dataSize: Int) throws(GGUFError) {
        for tensor in tensors where tensor.offset > dataSize || tensor.byteCount > dataSize - tensor.offset {
            throw .tensorOutOfBounds(
                tensor: tensor.name, offset: UInt64(tensor.offset), byteCount: tensor.byteCount,
                dataSize: dataSize)
        }
        let placed = tensors.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(placed, placed.dropFirst())
        where previous.offset + previous.byteCount > next.offset {
            throw .overlappingTensors(previous.name, next.name)
        }
    }
}
