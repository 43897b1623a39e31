import TandemUtilities

/// The minimal JSON the `--jsonl` mode needs: parse one JSON string per line, write arrays of ints and
/// escaped strings. Strict: anything but a single JSON string (with optional surrounding whitespace)
/// is an error, and so is a lone UTF-16 surrogate (it cannot be encoded as UTF-8).
enum JSONLines {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parseString(_ line: String) throws -> String {
        var it = Array(line.unicodeScalars)[...]
        func skipSpace() {
            while let c = it.first, c == " " || c == "\t" || c == "\r" || c == "\n" { it.removeFirst() }
        }
        skipSpace()
        guard it.first == "\"" else { throw ParseError(description: "expected a JSON string") }
        it.removeFirst()
        var out = String.UnicodeScalarView()
        func hex4() throws -> UInt32 {
            guard it.count >= 4 else { throw ParseError(description: "truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let d = it.first.flatMap({ Character($0).hexDigitValue }) else {
                    throw ParseError(description: "invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                it.removeFirst()
            }
            return v
        }
        while true {
            guard let c = it.popFirst() else { throw ParseError(description: "unterminated JSON string") }
            switch c {
            case "\"":
                skipSpace()
                guard it.isEmpty else { throw ParseError(description: "unexpected text after the JSON string") }
                return String(out)
            case "\\":
                guard let e = it.popFirst() else { throw ParseError(description: "unterminated escape") }
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "/": out.append("/")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v) {
                        guard it.starts(with: ["\\", "u"]) else {
                            throw ParseError(description: "lone surrogate \\u\(String(v, radix: 16))")
                        }
                        it.removeFirst(2)
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw ParseError(description: "lone surrogate \\u\(String(v, radix: 16))")
                        }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(v) {
                        throw ParseError(description: "lone surrogate \\u\(String(v, radix: 16))")
                    }
                    guard let s = Unicode.Scalar(v) else { throw ParseError(description: "invalid code point") }
                    out.append(s)
                default:
                    throw ParseError(description: "invalid escape \\\(e)")
                }
            default:
                guard c.value >= 0x20 else {
                    throw ParseError(description: "unescaped control character in JSON string")
                }
                out.append(c)
            }
        }
    }

    static func array(_ ids: [Int]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// A quoted piece: a JSON string literal when `bytes` are valid UTF-8, else the same with each byte
    /// of an invalid or incomplete sequence written as `\xNN` (so partial characters stay visible).
    static func quoted(bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return quoted(s) }
        var out = "\""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0
            if len > 0, i + len <= bytes.count, let s = String(validating: bytes[i..<(i + len)], as: UTF8.self) {
                out += quoted(s).dropFirst().dropLast()
                i += len
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
                i += 1
            }
        }
        return out + "\""
    }

    /// A JSON string literal for `s` (non-ASCII kept as is; controls escaped).
    static func quoted(_ s: String) -> String {
        JSONString.quoted(s)
    }
}
