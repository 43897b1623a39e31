/// Byte-level BPE (`tokenizer.ggml.model = gpt2`): pre-tokenize, map each pre-token's bytes to their
/// single-byte tokens, merge by rank.
struct ByteLevelBPE: Sendable {
    let pre: PreTokenizerKind
    let merger: BPEMerger
    /// Id of the token for each byte (its GPT-2-mapped character), or -1 when the vocabulary lacks it.
    let byteTokens: [Int32]
    /// Normal tokens by their raw bytes, for `ignore_merges` (Llama 3).
    let wholeTokens: [ByteKey: Int]
    let unknownID: Int?
    let cache = PreTokenCache()

    /// - Parameter idByUTF8: token ids by the UTF-8 bytes of their stored text (first id wins).
    init(vocabulary v: TokenizerVocabulary, pre: PreTokenizerKind, idByUTF8: [ByteKey: Int]) throws(TokenizerError) {
        self.pre = pre
        var byteTokens = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let text = String(String.UnicodeScalarView([ByteLevelMapping.byteToScalar[b]]))
            if let id = idByUTF8[ByteKey(Array(text.utf8))] { byteTokens[b] = Int32(id) }
        }
        self.byteTokens = byteTokens
        var ranks: [UInt64: UInt64] = [:]
        ranks.reserveCapacity(v.merges.count)
        for (rank, merge) in v.merges.enumerated() {
            // llama.cpp splits at the first space from byte 1, so a merge whose left side is " " parses.
            let u = Array(merge.utf8)
            guard u.count >= 3, let space = u[1...].firstIndex(of: 0x20) else {
                throw .invalidMetadata(
                    key: "tokenizer.ggml.merges", reason: "entry \(rank) \(merge.debugDescription) is not 'left right'")
            }
            var joined = u
            joined.remove(at: space)
            guard let l = idByUTF8[ByteKey(Array(u[..<space]))], let r = idByUTF8[ByteKey(Array(u[(space + 1)...]))],
                let m = idByUTF8[ByteKey(joined)]
            else { continue }
            let key = BPEMerger.key(Int32(truncatingIfNeeded: l), Int32(truncatingIfNeeded: r))
            if ranks[key] == nil { ranks[key] = UInt64(rank) << 32 | UInt64(m) }
        }
        merger = BPEMerger(ranks: ranks)
        var whole: [ByteKey: Int] = [:]
        if pre.ignoresMerges {
            whole.reserveCapacity(v.tokens.count)
            for (id, text) in v.tokens.enumerated() where v.type(of: id) == .normal {
                if let bytes = ByteLevelMapping.decode(utf8: Array(text.utf8)), whole[ByteKey(bytes)] == nil {
                    whole[ByteKey(bytes)] = id
                }
            }
        }
        wholeTokens = whole
        unknownID = v.unknownID
    }

    /// Encodes one text fragment (valid UTF-8, no special tokens) and appends the ids.
    func encode(_ bytes: [UInt8], _ range: Range<Int>, into out: inout [Int]) {
        let (scalars, offsets) = UTF8Scalars.decode(bytes, range)
        for piece in pre.split(scalars) {
            let lo = offsets[piece.lowerBound]
            let hi = offsets[piece.upperBound]
            encodePiece(Array(bytes[lo..<hi]), into: &out)
        }
    }

    func encodePiece(_ piece: [UInt8], into out: inout [Int]) {
        let key = ByteKey(piece)
        if pre.ignoresMerges, let id = wholeTokens[key] {
            out.append(id)
            return
        }
        if piece.count == 1 {
            appendSymbol(byteTokens[Int(piece[0])], into: &out)
            return
        }
        let cacheable = piece.count <= PreTokenCache.maxKeyBytes
        if cacheable, let cached = cache.get(key) {
            out.append(contentsOf: cached)
            return
        }
        var merged: [Int] = []
        merger.merge(piece.map { byteTokens[Int($0)] }, into: &merged)
        if merged.contains(where: { $0 < 0 }) {
            merged = merged.compactMap { $0 >= 0 ? $0 : unknownID }
        }
        if cacheable { cache.put(key, merged) }
        out.append(contentsOf: merged)
    }

    private func appendSymbol(_ id: Int32, into out: inout [Int]) {
        if id >= 0 { out.append(Int(id)) } else if let unk = unknownID { out.append(unk) }
    }
}

/// Decoding of valid UTF-8 into scalar values with the byte offset of each (plus the end offset).
enum UTF8Scalars {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) -> ([UInt32], [Int]) {
        var scalars: [UInt32] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(range.count)
        offsets.reserveCapacity(range.count + 1)
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b0 = UInt32(bytes[i])
            var len = 1
            var v = b0
            if b0 >= 0xF0 {
                len = 4
                v = b0 & 0x07
            } else if b0 >= 0xE0 {
                len = 3
                v = b0 & 0x0F
            } else if b0 >= 0xC0 {
                len = 2
                v = b0 & 0x1F
            }
            if i + len > end {
                len = 1
                v = 0xFFFD
            }  // cannot happen for text from a String
            if len > 1 { for k in 1..<len { v = v << 6 | (UInt32(bytes[i + k]) & 0x3F) } }
            offsets.append(i)
            scalars.append(v)
            i += len
        }
        offsets.append(end)
        return (scalars, offsets)
    }
}
