/// The character classes the pre-tokenizer regexes use, as the Hugging Face (Oniguruma) regexes
/// define them: `\p{L}` = general categories L*, `\p{N}` = N*, `\p{P}` = P*, `\s` = White_Space.
/// ASCII goes through a table; everything else through `Unicode.Scalar.Properties`.
@usableFromInline struct CharClass: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt8
    @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }

    @usableFromInline static let letter = CharClass(rawValue: 1)
    @usableFromInline static let number = CharClass(rawValue: 2)
    @usableFromInline static let whitespace = CharClass(rawValue: 4)
    @usableFromInline static let punctuation = CharClass(rawValue: 8)

    @inlinable static func of(_ v: UInt32) -> CharClass {
        v < 128 ? ascii(v) : classify(v)
    }

    /// ASCII by comparisons (no table: a global table costs a lazy-initialisation check per access).
    @inlinable static func ascii(_ v: UInt32) -> CharClass {
        switch v {
        case 0x41...0x5A, 0x61...0x7A: return .letter
        case 0x30...0x39: return .number
        case 0x09...0x0D, 0x20: return .whitespace
        // ASCII \p{P}: !"#%&'()*,-./:;?@[\]_{} (not $+<=>^`|~, which are symbols)
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D:
            return .punctuation
        default: return []
        }
    }

    @usableFromInline static func classify(_ v: UInt32) -> CharClass {
        guard let scalar = Unicode.Scalar(v) else { return [] }
        let props = scalar.properties
        var result: CharClass = props.isWhitespace ? .whitespace : []
        switch props.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            result.insert(.punctuation)
        default:
            break
        }
        return result
    }
}

extension UInt32 {
    @inlinable var isLetter: Bool { CharClass.of(self).contains(.letter) }
    @inlinable var isNumber: Bool { CharClass.of(self).contains(.number) }
    @inlinable var isWhitespace: Bool { CharClass.of(self).contains(.whitespace) }
    @inlinable var isCRorLF: Bool { self == 0x0D || self == 0x0A }
}
