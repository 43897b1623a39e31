/// GPT-2's reversible mapping between bytes and printable Unicode scalars, used by byte-level BPE
/// vocabularies: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards
/// (so a space is `Ġ` U+0120 and a newline `Ċ` U+010A).
public enum ByteLevelMapping {
    /// The scalar standing for each byte.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let b = UInt32(byte)
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[byte] = Unicode.Scalar(b) ?? " "
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The byte a mapped scalar stands for, or `nil` for scalars outside the mapping.
    @inlinable public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 0x144 { return scalarToByte[Int(v)] }
        return nil
    }

    @usableFromInline static let scalarToByte: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 0x144)
        for (byte, scalar) in byteToScalar.enumerated() { table[Int(scalar.value)] = UInt8(byte) }
        return table
    }()

    /// Maps raw bytes to the vocabulary's text form (`"Hello world"` → `"HelloĠworld"`).
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = String.UnicodeScalarView()
        for b in bytes { out.append(byteToScalar[Int(b)]) }
        return String(out)
    }

    /// Maps a vocabulary text back to raw bytes; `nil` when it holds a scalar outside the mapping
    /// (such tokens are taken literally as UTF-8 by the decoder).
    public static func decode(_ text: String) -> [UInt8]? {
        decode(utf8: Array(text.utf8))
    }

    /// ``decode(_:)`` over the text's UTF-8 bytes (mapped scalars are all below U+0144, so one or two
    /// bytes each).
    static func decode(utf8 u: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            let b0 = u[i]
            var v: UInt32
            if b0 < 0x80 {
                v = UInt32(b0)
                i += 1
            } else if b0 & 0xE0 == 0xC0, i + 1 < u.count {
                v = UInt32(b0 & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F)
                i += 2
            } else {
                return nil
            }
            guard v < 0x144, let b = scalarToByte[Int(v)] else { return nil }
            out.append(b)
        }
        return out
    }
}
