/// Everything that can go wrong reading, querying or writing a GGUF file.
///
/// Each case carries what was being read and where (byte offset, key or tensor name), and
/// ``description`` turns that into one sentence fit for a user.
public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: Opening and writing files
    /// The file could not be opened, examined or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file could not be written.
    case writeFailed(path: String, reason: String)

    // MARK: Header
    /// The file ends before a fixed-size field: `needed` bytes at `offset`, `available` left.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// The first four bytes are not `GGUF`.
    case badMagic(found: UInt32)
    /// Only versions 2 and 3 are read (version 1 used 32-bit lengths).
    case unsupportedVersion(UInt32)

    // MARK: Metadata
    /// A string (key, value or tensor name) claims more bytes than the file has left.
    case stringLengthPastEnd(what: String, offset: Int, length: UInt64, available: Int)
    /// A count (of metadata entries, tensors or array elements) needs more bytes than are left,
    /// even at the smallest encoding of each item.
    case countPastEnd(what: String, offset: Int, count: UInt64, available: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// A value or array element type id is not one of 0...12.
    case unknownValueType(key: String, offset: Int, typeID: UInt32)
    /// A bool byte other than 0 or 1.
    case invalidBool(key: String, offset: Int, byte: UInt8)
    /// Arrays nested deeper than the reader accepts.
    case arrayNestingTooDeep(key: String, offset: Int, depth: Int)
    /// The same metadata key appears twice.
    case duplicateKey(String, offset: Int)
    /// `general.alignment` is not a u32 power of two greater than zero.
    case invalidAlignment(GGUFValue)

    // MARK: Tensor infos
    /// A tensor has more than four dimensions.
    case tooManyDimensions(tensor: String, count: UInt32)
    /// A dimension does not fit in a signed 64-bit size.
    case invalidDimension(tensor: String, index: Int, value: UInt64)
    /// The element or byte count of a tensor overflows.
    case elementCountOverflow(tensor: String)
    /// A tensor's ggml type id is not one the reader knows.
    case unknownTensorType(tensor: String, typeID: UInt32)
    /// A tensor's row length (`ne[0]`) is not a whole number of its type's blocks.
    case partialBlock(tensor: String, type: GGMLType, rowLength: Int)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data does not lie inside the data section.
    case tensorOutOfBounds(tensor: String, offset: UInt64, byteCount: Int, dataSize: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(String, String)
    /// The same tensor name appears twice.
    case duplicateTensor(String, offset: Int)

    // MARK: Queries
    /// No tensor has this name.
    case tensorNotFound(String)
    /// No metadata entry has this key.
    case missingKey(String)
    /// The value under `key` is of another type than the one asked for.
    case typeMismatch(key: String, expected: String, found: String)
    /// The value under `key` does not fit the type asked for (e.g. a u64 beyond `Int.max`).
    case valueOutOfRange(key: String, value: String, expected: String)

    // MARK: Writer
    /// A tensor handed to ``GGUFWriter`` is inconsistent (size, shape, duplicate name).
    case invalidTensor(tensor: String, reason: String)
    /// A metadata value handed to ``GGUFWriter`` cannot be encoded.
    case invalidValue(key: String, reason: String)
    /// The writer's version or alignment is not supported.
    case invalidWriterSettings(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open GGUF file '\(path)': \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write GGUF file '\(path)': \(reason)"
        case .truncated(let what, let offset, let needed, let available):
            return "file ends while reading \(what) at byte \(offset): needs \(needed) bytes, \(available) left"
        case .badMagic(let found):
            let hex = String(found, radix: 16)
            return "not a GGUF file: magic is 0x\(hex) at byte 0, expected 0x46554747 ('GGUF')"
        case .unsupportedVersion(let version):
            let byteSwapped = version.byteSwapped
            let hint =
                byteSwapped == 2 || byteSwapped == 3
                ? "; this looks like a big-endian file, which is not supported" : ""
            return "unsupported GGUF version \(version) at byte 4 (only versions 2 and 3 are read\(hint))"
        case .stringLengthPastEnd(let what, let offset, let length, let available):
            return "length \(length) of \(what) at byte \(offset) is past the end of the file (\(available) bytes left)"
        case .countPastEnd(let what, let offset, let count, let available):
            return "count \(count) of \(what) at byte \(offset) cannot fit in the \(available) bytes left"
        case .invalidUTF8(let what, let offset):
            return "\(what) at byte \(offset) is not valid UTF-8"
        case .unknownValueType(let key, let offset, let typeID):
            return "unknown value type id \(typeID) for key '\(key)' at byte \(offset)"
        case .invalidBool(let key, let offset, let byte):
            return "bool value \(byte) for key '\(key)' at byte \(offset) is neither 0 nor 1"
        case .arrayNestingTooDeep(let key, let offset, let depth):
            return "arrays nested deeper than \(depth) levels for key '\(key)' at byte \(offset)"
        case .duplicateKey(let key, let offset):
            return "duplicate metadata key '\(key)' at byte \(offset)"
        case .invalidAlignment(let value):
            return
                "general.alignment must be a u32 power of two greater than 0, found \(value.typeName) \(value.briefText)"
        case .tooManyDimensions(let tensor, let count):
            return "tensor '\(tensor)' has \(count) dimensions (at most 4)"
        case .invalidDimension(let tensor, let index, let value):
            return "dimension \(index) of tensor '\(tensor)' is \(value), beyond the largest size"
        case .elementCountOverflow(let tensor):
            return "element count of tensor '\(tensor)' overflows"
        case .unknownTensorType(let tensor, let typeID):
            return "tensor '\(tensor)' has unknown ggml type id \(typeID)"
        case .partialBlock(let tensor, let type, let rowLength):
            return
                "tensor '\(tensor)' has row length \(rowLength), not a multiple of the \(type) block size \(type.blockSize)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let tensor, let offset, let byteCount, let dataSize):
            return
                "tensor '\(tensor)' data (\(byteCount) bytes at offset \(offset)) lies outside the \(dataSize)-byte data section"
        case .overlappingTensors(let first, let second):
            return "data of tensors '\(first)' and '\(second)' overlap"
        case .duplicateTensor(let name, let offset):
            return "duplicate tensor name '\(name)' at byte \(offset)"
        case .tensorNotFound(let name):
            return "no tensor named '\(name)'"
        case .missingKey(let key):
            return "missing metadata key '\(key)'"
        case .typeMismatch(let key, let expected, let found):
            return "metadata key '\(key)' is \(found), expected \(expected)"
        case .valueOutOfRange(let key, let value, let expected):
            return "metadata key '\(key)' has value \(value), which does not fit \(expected)"
        case .invalidTensor(let tensor, let reason):
            return "cannot write tensor '\(tensor)': \(reason)"
        case .invalidValue(let key, let reason):
            return "cannot write metadata key '\(key)': \(reason)"
        case .invalidWriterSettings(let reason):
            return "invalid GGUF writer settings: \(reason)"
        }
    }
}

extension GGUFValue {
    /// The value as short text for messages; arrays show their element count only.
    var briefText: String {
        switch self {
        case .uint8(let value): return String(value)
        case .int8(let value): return String(value)
        case .uint16(let value): return String(value)
        case .int16(let value): return String(value)
        case .uint32(let value): return String(value)
        case .int32(let value): return String(value)
        case .uint64(let value): return String(value)
        case .int64(let value): return String(value)
        case .float32(let value): return String(value)
        case .float64(let value): return String(value)
        case .bool(let value): return String(value)
        case .string(let value): return "\"\(value.prefix(40))\(value.count > 40 ? "…" : "")\""
        case .array(let elements): return "[\(elements.count) elements]"
        }
    }
}
