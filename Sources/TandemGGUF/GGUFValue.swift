/// One metadata value of a GGUF file.
///
/// The cases mirror the GGUF value types one to one, so a file read and written back keeps
/// the exact types (a `u32` stays a `u32`). Arrays may nest; GGUF stores one element type
/// per array, so ``GGUFWriter`` rejects arrays whose elements differ in type.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The value of any integer case, or nil when the case is not an integer or the value
    /// does not fit in `Int`.
    public var intValue: Int? {
        switch self {
        case .uint8(let value): return Int(value)
        case .int8(let value): return Int(value)
        case .uint16(let value): return Int(value)
        case .int16(let value): return Int(value)
        case .uint32(let value): return Int(value)
        case .int32(let value): return Int(value)
        case .uint64(let value): return Int(exactly: value)
        case .int64(let value): return Int(exactly: value)
        case .float32, .float64, .bool, .string, .array: return nil
        }
    }

    /// The value of a float case, or of an integer case converted to `Double`; nil otherwise.
    public var doubleValue: Double? {
        switch self {
        case .float32(let value): return Double(value)
        case .float64(let value): return value
        case .uint8(let value): return Double(value)
        case .int8(let value): return Double(value)
        case .uint16(let value): return Double(value)
        case .int16(let value): return Double(value)
        case .uint32(let value): return Double(value)
        case .int32(let value): return Double(value)
        case .uint64(let value): return Double(value)
        case .int64(let value): return Double(value)
        case .bool, .string, .array: return nil
        }
    }

    /// The string of a `.string` value; nil otherwise.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array` value; nil otherwise.
    public var arrayValue: [GGUFValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The boolean of a `.bool` value; nil otherwise.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Whether the case is one of the eight integer cases.
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64: return true
        case .float32, .float64, .bool, .string, .array: return false
        }
    }

    /// A short type name for messages: `u32`, `f32`, `string`, `array<string>`,
    /// `array<array<u8>>`. An empty array is `array` (its element type is not kept).
    public var typeName: String {
        switch self {
        case .array(let elements):
            guard let first = elements.first else { return "array" }
            return "array<\(first.typeName)>"
        default:
            return valueType.name
        }
    }

    /// The GGUF type id this value is written with.
    var valueType: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }
}
