/// Turns a stream of token ids into text without ever emitting half a UTF-8 character: an incomplete
/// sequence at the end is held back until a later token completes it (or ``flush()`` is called), and
/// bytes that can never form valid UTF-8 come out as U+FFFD. The concatenation of everything it emits
/// equals ``Tokenizer/decode(_:skipSpecial:)`` of the same ids.
///
/// ```swift
/// var stream = tokenizer.makeStreamingDecoder()
/// for id in ids { print(try stream.feed(id), terminator: "") }
/// print(stream.flush())
/// ```
public struct StreamingDecoder: Sendable {
    let core: TokenizerCore
    let skipSpecial: Bool
    private var pending: [UInt8] = []
    /// SentencePiece: the first text-bearing token still has its prefixed space to lose.
    private var atStart = true

    init(core: TokenizerCore, skipSpecial: Bool) {
        self.core = core
        self.skipSpecial = skipSpecial
    }

    /// The bytes `id` contributes at this point of the stream (advances the start-of-text state).
    mutating func pieceBytes(_ id: Int) throws -> [UInt8] {
        let n = core.pieceBytes.count
        guard id >= 0 && id < n else { throw TokenizerError.tokenOutOfRange(id: id, vocabularySize: n) }
        let type = core.vocabulary.type(of: id)
        if type == .control || type == .unknown {
            // Skipped, a control token is as if absent (SentencePiece still strips the first word's
            // space); written out, it opens the text, as in llama.cpp and Hugging Face ("<s> Hi").
            if skipSpecial { return [] }
            if !core.pieceBytes[id].isEmpty { atStart = false }
            return core.pieceBytes[id]
        }
        var bytes = core.pieceBytes[id]
        if atStart && core.removesLeadingSpace {
            if bytes.first == 0x20 { bytes.removeFirst() }
        }
        if !core.pieceBytes[id].isEmpty { atStart = false }
        return bytes
    }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func feed(_ id: Int) throws -> String {
        pending.append(contentsOf: try pieceBytes(id))
        let cut = Self.completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is held back (an incomplete sequence becomes U+FFFD) and resets the buffer.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Bytes currently held back waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// Length of the prefix of `bytes` that can be emitted now: everything except a trailing sequence
    /// that is a valid but incomplete start of a UTF-8 character.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // A lead byte of a multi-byte sequence lies at most 3 bytes from the end.
        var i = n - 1
        while i >= 0 && i >= n - 3 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {  // not a continuation byte
                let need: Int
                switch b {
                case 0xC2...0xDF: need = 2
                case 0xE0...0xEF: need = 3
                case 0xF0...0xF4: need = 4
                default: return n  // ASCII or an invalid lead: nothing to wait for
                }
                let have = n - i
                if have >= need { return n }
                // Check the bytes after the lead are a valid prefix (e.g. E0 needs A0–BF next).
                if have >= 2 {
                    let b1 = bytes[i + 1]
                    let ok: Bool
                    switch b {
                    case 0xE0: ok = (0xA0...0xBF).contains(b1)
                    case 0xED: ok = (0x80...0x9F).contains(b1)
                    case 0xF0: ok = (0x90...0xBF).contains(b1)
                    case 0xF4: ok = (0x80...0x8F).contains(b1)
                    default: ok = (0x80...0xBF).contains(b1)
                    }
                    if !ok { return n }
                }
                return i
            }
            i -= 1
        }
        return n
    }
}
