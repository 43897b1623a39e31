/// Single regexes applied with Hugging Face's `Split(..., behavior: Isolated)` semantics: each match
/// becomes a chunk of its own, and so does each stretch of text between matches. Matches are found
/// leftmost-first and never empty.
enum IsolatedPattern: Sendable {
    /// `\p{N}`: one number character (StarCoder, SmolLM, Refact; DeepSeek's `Digits(individual)`).
    case singleNumber
    /// `\p{N}+` (llama.cpp's `default`).
    case numberRun
    /// `[0-9][0-9][0-9]`.
    case asciiDigitTriple
    /// `[\r\n]`.
    case crOrLF
    /// DeepSeek LLM: `\s?[A-Za-zµÀ-ÖØ-öø-ƺ…𞤀-𞥃]+` (cased letters of many scripts).
    case deepseekLetters
    /// DeepSeek LLM: `\s?[!-/:-~！-／：-～‘-‟　-。]+`.
    case deepseekPunctuation
    /// `\s+$`: the whitespace at the end of a chunk.
    case trailingWhitespace
    /// DeepSeek LLM: `[一-龥ࠀ-一가-퟿]+`.
    case cjkHangul
    /// Falcon: `[\p{P}\$\+<=>\^~\|`]+`.
    case falconPunctuation
    /// llama.cpp `default`: `[\p{P}\$\+<=>\^~\|]+`.
    case defaultPunctuation

    func split(_ s: [UInt32], _ chunk: Range<Int>, into out: inout [Range<Int>]) {
        if case .trailingWhitespace = self {
            // The leftmost match of `\s+$` is the maximal whitespace suffix; found from the end in
            // linear time (trying every start would be quadratic in long whitespace runs).
            var j = chunk.upperBound
            while j > chunk.lowerBound && s[j - 1].isWhitespace { j -= 1 }
            if j > chunk.lowerBound { out.append(chunk.lowerBound..<j) }
            if j < chunk.upperBound { out.append(j..<chunk.upperBound) }
            return
        }
        var gapStart = chunk.lowerBound
        var pos = chunk.lowerBound
        let end = chunk.upperBound
        while pos < end {
            if let matchEnd = match(s, at: pos, end: end), matchEnd > pos {
                if gapStart < pos { out.append(gapStart..<pos) }
                out.append(pos..<matchEnd)
                pos = matchEnd
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if gapStart < end { out.append(gapStart..<end) }
    }

    /// The end of the match starting exactly at `p`, if one does.
    private func match(_ s: [UInt32], at p: Int, end: Int) -> Int? {
        switch self {
        case .singleNumber:
            return s[p].isNumber ? p + 1 : nil
        case .numberRun:
            return run(s, from: p, end: end) { $0.isNumber }
        case .asciiDigitTriple:
            guard p + 3 <= end else { return nil }
            for i in p..<(p + 3) where !(0x30...0x39).contains(s[i]) { return nil }
            return p + 3
        case .crOrLF:
            return s[p].isCRorLF ? p + 1 : nil
        case .deepseekLetters:
            return optionalSpaceThenRun(s, from: p, end: end, Self.isDeepseekLetter)
        case .deepseekPunctuation:
            return optionalSpaceThenRun(s, from: p, end: end, Self.isDeepseekPunctuation)
        case .trailingWhitespace:
            return nil  // handled in split(_:_:into:)
        case .cjkHangul:
            return run(s, from: p, end: end) {
                (0x4E00...0x9FA5).contains($0) || (0x0800...0x4E00).contains($0) || (0xAC00...0xD7FF).contains($0)
            }
        case .falconPunctuation:
            return run(s, from: p, end: end) { v in
                CharClass.of(v).contains(.punctuation)
                    || [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C, 0x60].contains(v)
            }
        case .defaultPunctuation:
            return run(s, from: p, end: end) { v in
                CharClass.of(v).contains(.punctuation) || [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C].contains(v)
            }
        }
    }

    private func run(_ s: [UInt32], from p: Int, end: Int, _ test: (UInt32) -> Bool) -> Int? {
        var i = p
        while i < end && test(s[i]) { i += 1 }
        return i > p ? i : nil
    }

    /// `\s?X+`: a whitespace character is taken first only when an X follows it.
    private func optionalSpaceThenRun(_ s: [UInt32], from p: Int, end: Int, _ test: (UInt32) -> Bool) -> Int? {
        var i = p
        if s[i].isWhitespace && i + 1 < end && test(s[i + 1]) { i += 1 }
        return run(s, from: i, end: end, test)
    }

    static func isDeepseekPunctuation(_ v: UInt32) -> Bool {
        (0x21...0x2F).contains(v) || (0x3A...0x7E).contains(v) || (0xFF01...0xFF0F).contains(v)
            || (0xFF1A...0xFF5E).contains(v) || (0x2018...0x201F).contains(v) || (0x3000...0x3002).contains(v)
    }

    /// The character class of DeepSeek LLM's letter regex, as sorted closed ranges.
    static let deepseekLetterRanges: [ClosedRange<UInt32>] = [
        0x41...0x5A, 0x61...0x7A, 0xB5...0xB5, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x1BA, 0x1BC...0x1BF,
        0x1C4...0x293, 0x295...0x2AF, 0x370...0x373, 0x376...0x377, 0x37B...0x37D, 0x37F...0x37F,
        0x386...0x386, 0x388...0x38A, 0x38C...0x38C, 0x38E...0x3A1, 0x3A3...0x3F5, 0x3F7...0x481,
        0x48A...0x52F, 0x531...0x556, 0x10A0...0x10C5, 0x13A0...0x13F5, 0x13F8...0x13FD,
        0x1C90...0x1CBA, 0x1CBD...0x1CBF, 0x1D00...0x1D2B, 0x1D6B...0x1D77, 0x1D79...0x1D9A,
        0x1E00...0x1F15, 0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D, 0x1F50...0x1F57,
        0x1F59...0x1F59, 0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4,
        0x1FB6...0x1FBC, 0x1FBE...0x1FBE, 0x1FC2...0x1FC4, 0x1FC6...0x1FCC, 0x1FD0...0x1FD3,
        0x1FD6...0x1FDB, 0x1FE0...0x1FEC, 0x1FF2...0x1FF4, 0x1FF6...0x1FFC, 0x2102...0x2102,
        0x2107...0x2107, 0x210A...0x2113, 0x2115...0x2115, 0x2119...0x211D, 0x2124...0x2124,
        0x2126...0x2126, 0x2128...0x2128, 0x212A...0x212D, 0x212F...0x2134, 0x2139...0x2139,
        0x213C...0x213F, 0x2145...0x2149, 0x214E...0x214E, 0x2183...0x2184, 0x2C00...0x2C7B,
        0x2C7E...0x2CE4, 0x2CEB...0x2CEE, 0x2CF2...0x2CF3, 0xA640...0xA66D, 0xA680...0xA69B,
        0xA722...0xA76F, 0xA771...0xA787, 0xA78B...0xA78E, 0xAB70...0xABBF, 0xFB00...0xFB06,
        0xFB13...0xFB17, 0xFF21...0xFF3A, 0xFF41...0xFF5A, 0x10400...0x1044F, 0x104B0...0x104D3,
        0x104D8...0x104FB, 0x10C80...0x10CB2, 0x10CC0...0x10CF2, 0x118A0...0x118DF, 0x1E900...0x1E943,
    ]

    static func isDeepseekLetter(_ v: UInt32) -> Bool {
        if v < 0x80 { return (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) }
        var lo = 0
        var hi = deepseekLetterRanges.count
        while lo < hi {  // first range whose upper bound is >= v
            let mid = (lo + hi) / 2
            if deepseekLetterRanges[mid].upperBound < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < deepseekLetterRanges.count && deepseekLetterRanges[lo].contains(v)
    }
}
