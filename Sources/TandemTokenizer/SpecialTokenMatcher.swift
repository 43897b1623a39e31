/// Finds special and user-defined tokens in raw text before pre-tokenization: leftmost match first,
/// and at one position the longest token wins (Hugging Face's added-token matching).
struct SpecialTokenMatcher: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var id: Int
        /// Control and unknown tokens match only when special parsing is on; user-defined ones always.
        var onlyWhenParsingSpecial: Bool
    }

    /// Candidates grouped by first byte, each group longest first.
    private let byFirstByte: [[Entry]]
    /// Whether any user-defined token exists (else raw text needs no scan without `parseSpecial`).
    private let hasAlwaysMatched: Bool
    private let isEmpty: Bool

    init(tokens: [String], types: [TokenType]) {
        var groups = [[Entry]](repeating: [], count: 256)
        var always = false
        var any = false
        for (id, text) in tokens.enumerated() {
            let type = id < types.count ? types[id] : .normal
            guard type == .control || type == .userDefined || type == .unknown else { continue }
            let bytes = Array(text.utf8)
            guard let first = bytes.first else { continue }
            groups[Int(first)].append(Entry(bytes: bytes, id: id, onlyWhenParsingSpecial: type != .userDefined))
            if type == .userDefined { always = true }
            any = true
        }
        for i in 0..<256 {
            groups[i].sort { $0.bytes.count > $1.bytes.count || ($0.bytes.count == $1.bytes.count && $0.id < $1.id) }
        }
        byFirstByte = groups
        hasAlwaysMatched = always
        isEmpty = !any
    }

    /// A piece of input: raw text (a byte range) to pre-tokenize, or a token found in it.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int)
    }

    /// Splits `bytes` into text fragments and matched tokens, in order.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        if bytes.isEmpty { return [] }
        if isEmpty || (!parseSpecial && !hasAlwaysMatched) { return [.text(0..<bytes.count)] }
        var out: [Fragment] = []
        var textStart = 0
        var pos = 0
        let n = bytes.count
        while pos < n {
            var matched: Entry?
            for entry in byFirstByte[Int(bytes[pos])] {
                if entry.onlyWhenParsingSpecial && !parseSpecial { continue }
                let len = entry.bytes.count
                if pos + len > n { continue }
                var equal = true
                var k = 1
                while k < len {
                    if bytes[pos + k] != entry.bytes[k] {
                        equal = false
                        break
                    }
                    k += 1
                }
                if equal {
                    matched = entry
                    break
                }
            }
            if let entry = matched {
                if textStart < pos { out.append(.text(textStart..<pos)) }
                out.append(.token(entry.id))
                pos += entry.bytes.count
                textStart = pos
            } else {
                pos += 1
            }
        }
        if textStart < n { out.append(.text(textStart..<n)) }
        return out
    }
}
