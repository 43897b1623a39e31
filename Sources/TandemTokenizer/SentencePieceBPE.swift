/// SentencePiece BPE (`tokenizer.ggml.model = llama`: Llama 2, TinyLlama, Phi-3) as llama.cpp runs it:
/// spaces become `▁`, a `▁` is prefixed to text at the start and after a special token, adjacent
/// symbols merge best-score-first (ties to the leftmost) while their concatenation is a token, and
/// characters that never form a token fall back to `<0xXX>` byte tokens.
struct SentencePieceBPE: Sendable {
    /// Token ids by their UTF-8 text.
    let byText: [ByteKey: Int]
    let scores: [Float]
    let byteTokens: [Int]?
    let unknownID: Int?
    let addSpacePrefix: Bool
    /// The longest token text in bytes: no longer pair can be a token.
    let maxTokenBytes: Int
    /// True when no token has `▁` right after another character (Llama 2, Phi-3), so text can be cut
    /// before each word's `▁` without changing the result.
    let wordsAreIndependent: Bool
    let cache = PreTokenCache()

    /// - Parameter idByUTF8: token ids by the UTF-8 bytes of their stored text (first id wins).
    init(vocabulary v: TokenizerVocabulary, idByUTF8 byText: [ByteKey: Int]) {
        self.byText = byText
        maxTokenBytes = v.tokens.reduce(0) { max($0, $1.utf8.count) }
        wordsAreIndependent = !v.tokens.contains { token in
            var previousIsMarker = true  // a leading ▁ is fine
            for scalar in token.unicodeScalars {
                let isMarker = scalar == "\u{2581}"
                if isMarker && !previousIsMarker { return true }
                previousIsMarker = isMarker
            }
            return false
        }
        scores = v.tokens.indices.map { $0 < v.scores.count ? v.scores[$0] : 0 }
        var bytes: [Int] = []
        for b in 0..<256 {
            let hex = String(b, radix: 16, uppercase: true)
            let text = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            guard let id = byText[ByteKey(Array(text.utf8))] else { break }
            bytes.append(id)
        }
        byteTokens = bytes.count == 256 ? bytes : nil
        unknownID = v.unknownID
        addSpacePrefix = v.addSpacePrefix ?? true
    }

    /// Encodes one text fragment; `afterSpecial` is true at the start of the input and after a token
    /// matched as special (llama.cpp prefixes a space there).
    func encode(_ input: [UInt8], _ range: Range<Int>, afterSpecial: Bool, into out: inout [Int]) {
        var text: [UInt8] = []
        text.reserveCapacity(range.count + 3)
        if addSpacePrefix && afterSpecial { text.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for b in input[range] {
            if b == 0x20 { text.append(contentsOf: [0xE2, 0x96, 0x81]) } else { text.append(b) }
        }
        guard wordsAreIndependent else {
            merge(text, into: &out)
            return
        }
        // Cut before every `▁` that follows another character: no token spans such a cut, so the
        // pieces merge independently (same result) and repeated words come from the cache.
        var segmentStart = 0
        var i = 1
        while i + 3 <= text.count {
            if text[i] == 0xE2 && text[i + 1] == 0x96 && text[i + 2] == 0x81
                && !(i >= 3 && text[i - 3] == 0xE2 && text[i - 2] == 0x96 && text[i - 1] == 0x81)
            {
                encodeSegment(Array(text[segmentStart..<i]), into: &out)
                segmentStart = i
                i += 3
            } else {
                i += 1
            }
        }
        encodeSegment(Array(text[segmentStart...]), into: &out)
    }

    private func encodeSegment(_ segment: [UInt8], into out: inout [Int]) {
        if segment.count > PreTokenCache.maxKeyBytes {
            merge(segment, into: &out)
            return
        }
        let key = ByteKey(segment)
        if let cached = cache.get(key) {
            out.append(contentsOf: cached)
            return
        }
        var ids: [Int] = []
        merge(segment, into: &ids)
        cache.put(key, ids)
        out.append(contentsOf: ids)
    }

    /// Best-score-first merging over one stretch of escaped text.
    private func merge(_ text: [UInt8], into out: inout [Int]) {
        // One symbol per UTF-8 character.
        var start: [Int] = []
        var length: [Int] = []
        var i = 0
        while i < text.count {
            let b = text[i]
            var len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            len = min(len, text.count - i)
            start.append(i)
            length.append(len)
            i += len
        }
        let n = start.count
        if n == 0 { return }
        var prev = (0..<n).map { $0 - 1 }
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var heap = MinHeap()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(maxTokenBytes)
        func score(_ l: Int, _ r: Int) -> Float? {
            let lo = start[l]
            let hi = start[r] + length[r]
            if hi - lo > maxTokenBytes { return nil }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: text[lo..<hi])
            guard let id = byText[ByteKey(scratch)] else { return nil }
            return scores[id]
        }
        func key(_ s: Float, _ left: Int) -> UInt64 {
            // Highest score first: invert an order-preserving integer image of the float.
            let bits = s.bitPattern
            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            return UInt64(~ordered) << 32 | UInt64(left)
        }
        for l in 0..<(n - 1) { if let s = score(l, l + 1) { heap.push(key(s, l)) } }
        while let top = heap.pop() {
            let l = Int(top & 0xFFFF_FFFF)
            guard length[l] > 0 else { continue }
            let r = next[l]
            guard r >= 0, let s = score(l, r), key(s, l) == top else { continue }
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[next[r]] = l }
            if prev[l] >= 0, let s2 = score(prev[l], l) { heap.push(key(s2, prev[l])) }
            if next[l] >= 0, let s2 = score(l, next[l]) { heap.push(key(s2, l)) }
        }
        var sym = 0
        while sym >= 0 {
            let piece = Array(text[start[sym]..<(start[sym] + length[sym])])
            if let id = byText[ByteKey(piece)] {
                out.append(id)
            } else if let byteTokens {
                for b in piece { out.append(byteTokens[Int(b)]) }
            } else if let unk = unknownID {
                out.append(unk)
            }
            sym = next[sym]
        }
    }
}
