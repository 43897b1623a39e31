import TandemUtilities

/// A JSON value the fuzzer builds and mutates before rendering it to bytes. Unlike `Codable` it can
/// hold what no well-formed message would: numbers written as any text, duplicate keys, any nesting.
indirect enum FuzzJSON: Sendable {
    /// A number, written exactly as `text` (so `1e999` and 30-digit integers survive).
    case number(String)
    case string([UInt8])
    case bool(Bool)
    case null
    case array([FuzzJSON])
    /// Keys in order; duplicates allowed.
    case object([(String, FuzzJSON)])

    static func int(_ value: Int) -> FuzzJSON { .number(String(value)) }
    static func text(_ value: String) -> FuzzJSON { .string(Array(value.utf8)) }
    static func ints(_ values: [Int]) -> FuzzJSON { .array(values.map(FuzzJSON.int)) }

    /// The JSON bytes: strings are escaped as JSON requires, except bytes ≥ 0x80, which go through
    /// unchanged (so invalid UTF-8 reaches the decoder).
    func render(into out: inout [UInt8]) {
        switch self {
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let bytes): Self.renderString(bytes, into: &out)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.renderString(Array(key.utf8), into: &out)
                out.append(UInt8(ascii: ":"))
                value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        render(into: &out)
        return out
    }

    private static func renderString(_ bytes: [UInt8], into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
