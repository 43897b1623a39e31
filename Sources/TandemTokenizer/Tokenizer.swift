/// A tokenizer read from GGUF metadata: byte-level BPE (`gpt2`) with the pre-tokenizer named by
/// `tokenizer.ggml.pre`, or SentencePiece BPE (`llama`). Immutable and cheap to copy (the tables are
/// shared); safe to use from several threads at once.
///
/// ```swift
/// let tokenizer = try Tokenizer(path: "qwen2.5-0.5b-instruct-q8_0.gguf")
/// let ids = tokenizer.encode("Hello world")            // [9707, 1879] (Qwen2.5 adds no BOS)
/// let text = try tokenizer.decode(ids)                  // "Hello world"
/// ```
public struct Tokenizer: Sendable {
    let core: TokenizerCore

    /// Number of tokens in the vocabulary; valid ids are `0..<vocabularySize`.
    public var vocabularySize: Int { core.vocabulary.tokens.count }
    /// Beginning-of-sequence token, if the model has one.
    public var bosID: Int? { core.bosID }
    /// End-of-sequence token, if the model has one.
    public var eosID: Int? { core.eosID }
    /// End-of-turn token: `tokenizer.ggml.eot_token_id`, else the first of `<|eot_id|>`, `<|im_end|>`,
    /// `<|end|>`, `<end_of_turn>`, `<|endoftext|>` … that the vocabulary has (llama.cpp's rule).
    public var eotID: Int? { core.eotID }
    /// Whether ``encode(_:addBOS:parseSpecial:)`` prepends BOS by default: `tokenizer.ggml.add_bos_token`,
    /// else true for SentencePiece and Llama 3, false otherwise (llama.cpp's defaults).
    public var addBOS: Bool
    /// Whether EOS is appended by default (`tokenizer.ggml.add_eos_token`, default false).
    public var addEOS: Bool
    /// `tokenizer.ggml.model` (`"gpt2"` or `"llama"`).
    public var model: String { core.vocabulary.model }
    /// `tokenizer.ggml.pre` as stored (`nil` when absent).
    public var pre: String? { core.vocabulary.pre }
    /// `tokenizer.chat_template`, when the file has one.
    public var chatTemplate: String? { core.vocabulary.chatTemplate }
    /// The vocabulary this tokenizer was built from.
    public var vocabulary: TokenizerVocabulary { core.vocabulary }

    /// Builds a tokenizer from a vocabulary value; throws ``TokenizerError`` for an unknown model or
    /// pre-tokenizer, or inconsistent tables.
    public init(vocabulary: TokenizerVocabulary) throws {
        core = try TokenizerCore(vocabulary)
        addBOS = core.defaultAddBOS
        addEOS = vocabulary.addEOS ?? false
    }

    /// The type of token `id`, or `nil` outside the vocabulary.
    public func tokenType(_ id: Int) -> TokenType? {
        guard id >= 0 && id < vocabularySize else { return nil }
        return core.vocabulary.type(of: id)
    }

    /// The id of the token whose stored text is exactly `text` (e.g. `"<|im_end|>"`), if any.
    public func tokenID(forText text: String) -> Int? { core.idByUTF8[ByteKey(Array(text.utf8))] }

    /// True for tokens that end a generation: EOS, EOT, and end-of-turn control tokens such as
    /// `<|im_end|>`, `<|eot_id|>`, `<|end_of_text|>`, `<|endoftext|>`, `<|eom_id|>`.
    public func isEndOfGeneration(_ id: Int) -> Bool { core.endOfGeneration.contains(id) }

    /// The ids of every end-of-generation token (see ``isEndOfGeneration(_:)``), ascending.
    public var endOfGenerationIDs: [Int] { core.endOfGeneration.sorted() }

    /// Encodes `text` to token ids.
    /// - Parameters:
    ///   - addBOS: prepend BOS; `nil` uses the model's default (``addBOS``).
    ///   - addEOS: append EOS; `nil` uses the model's default (``addEOS``).
    ///   - parseSpecial: recognise control tokens (`<|im_start|>`, `<|begin_of_text|>` …) written in the
    ///     text. User-defined tokens are always recognised, as llama.cpp and Hugging Face do.
    public func encode(_ text: String, addBOS: Bool? = nil, addEOS: Bool? = nil, parseSpecial: Bool = false) -> [Int] {
        var out: [Int] = []
        if addBOS ?? self.addBOS, let bos = core.bosID { out.append(bos) }
        let bytes = Array(text.utf8)
        out.reserveCapacity(bytes.count / 3 + 2)
        var afterSpecial = true
        for fragment in core.specials.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
                afterSpecial = true
            case .text(let range):
                switch core.encoder {
                case .byteLevel(let bpe): bpe.encode(bytes, range, into: &out)
                case .sentencePiece(let spm): spm.encode(bytes, range, afterSpecial: afterSpecial, into: &out)
                }
                afterSpecial = false
            }
        }
        if addEOS ?? self.addEOS, let eos = core.eosID { out.append(eos) }
        return out
    }

    /// The raw bytes token `id` stands for (control tokens: their text).
    public func bytes(of id: Int) throws -> [UInt8] {
        guard id >= 0 && id < vocabularySize else {
            throw TokenizerError.tokenOutOfRange(id: id, vocabularySize: vocabularySize)
        }
        return core.pieceBytes[id]
    }

    /// The text of one token as it appears in decoded output (invalid UTF-8 shown as U+FFFD).
    public func piece(_ id: Int) throws -> String {
        String(decoding: try bytes(of: id), as: UTF8.self)
    }

    /// Decodes ids to text. Bytes that do not form valid UTF-8 become U+FFFD; an id outside the
    /// vocabulary is a ``TokenizerError``. SentencePiece's added leading space is removed.
    /// - Parameter skipSpecial: leave out control tokens (BOS, `<|im_end|>` …) instead of writing their text.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) throws -> String {
        var decoder = makeStreamingDecoder(skipSpecial: skipSpecial)
        var bytes: [UInt8] = []
        for id in ids { bytes.append(contentsOf: try decoder.pieceBytes(id)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A decoder for a stream of ids that only ever emits complete UTF-8 characters.
    public func makeStreamingDecoder(skipSpecial: Bool = false) -> StreamingDecoder {
        StreamingDecoder(core: core, skipSpecial: skipSpecial)
    }

    /// A hex SHA-256 over everything that decides how text maps to ids: model, pre-tokenizer, tokens,
    /// types, scores, merges, special ids and BOS/EOS flags. Two models may share a session only when
    /// their fingerprints are equal.
    public var fingerprint: String { core.fingerprint }
}

/// The shared immutable tables behind a ``Tokenizer``.
final class TokenizerCore: Sendable {
    enum Encoder: Sendable {
        case byteLevel(ByteLevelBPE)
        case sentencePiece(SentencePieceBPE)
    }

    let vocabulary: TokenizerVocabulary
    let encoder: Encoder
    let specials: SpecialTokenMatcher
    /// Ids by the UTF-8 bytes of the stored text: byte-exact, unlike `String` keys, which compare
    /// canonically equivalent texts as equal.
    let idByUTF8: [ByteKey: Int]
    /// Decoded bytes of every token.
    let pieceBytes: [[UInt8]]
    let bosID: Int?
    let eosID: Int?
    let eotID: Int?
    let endOfGeneration: Set<Int>
    let defaultAddBOS: Bool
    let isSentencePiece: Bool
    let removesLeadingSpace: Bool
    let fingerprint: String

    static let endOfTurnTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
        "<｜end▁of▁sentence｜>",
    ]
    static let extraEndOfGenerationTexts = ["<|end_of_text|>", "<|eom_id|>"]

    init(_ v: TokenizerVocabulary) throws {
        let n = v.tokens.count
        guard n > 0 else { throw TokenizerError.invalidMetadata(key: "tokenizer.ggml.tokens", reason: "empty") }
        if !v.types.isEmpty && v.types.count != n {
            throw TokenizerError.invalidMetadata(
                key: "tokenizer.ggml.token_type", reason: "\(v.types.count) entries for \(n) tokens")
        }
        if !v.scores.isEmpty && v.scores.count != n {
            throw TokenizerError.invalidMetadata(
                key: "tokenizer.ggml.scores", reason: "\(v.scores.count) entries for \(n) tokens")
        }
        func checkID(_ id: Int?, _ key: String) throws -> Int? {
            guard let id else { return nil }
            guard id >= 0 && id < n else {
                throw TokenizerError.invalidMetadata(key: key, reason: "id \(id) outside 0..<\(n)")
            }
            return id
        }
        vocabulary = v
        var idByUTF8: [ByteKey: Int] = [:]
        idByUTF8.reserveCapacity(n)
        for (id, text) in v.tokens.enumerated() {
            let key = ByteKey(Array(text.utf8))
            if idByUTF8[key] == nil { idByUTF8[key] = id }
        }
        self.idByUTF8 = idByUTF8

        switch v.model {
        case "gpt2":
            let pre = try PreTokenizerKind.named(v.pre)
            encoder = .byteLevel(try ByteLevelBPE(vocabulary: v, pre: pre, idByUTF8: idByUTF8))
            isSentencePiece = false
            defaultAddBOS = v.addBOS ?? (pre == .llama3)
        case "llama":
            encoder = .sentencePiece(SentencePieceBPE(vocabulary: v, idByUTF8: idByUTF8))
            isSentencePiece = true
            defaultAddBOS = v.addBOS ?? true
        default:
            throw TokenizerError.unsupportedModel(v.model)
        }
        removesLeadingSpace = isSentencePiece && (v.addSpacePrefix ?? true)
        specials = SpecialTokenMatcher(tokens: v.tokens, types: v.types)
        bosID = try checkID(v.bosID, "tokenizer.ggml.bos_token_id")
        eosID = try checkID(v.eosID, "tokenizer.ggml.eos_token_id")
        var eot = try checkID(v.eotID, "tokenizer.ggml.eot_token_id")
        if eot == nil {
            eot = Self.endOfTurnTexts.lazy.compactMap { idByUTF8[ByteKey(Array($0.utf8))] }.first
        }
        eotID = eot
        var eog = Set<Int>()
        if let eosID { eog.insert(eosID) }
        if let eot { eog.insert(eot) }
        for text in Self.endOfTurnTexts + Self.extraEndOfGenerationTexts {
            if let id = idByUTF8[ByteKey(Array(text.utf8))],
                v.type(of: id) == .control || v.type(of: id) == .userDefined
            {
                eog.insert(id)
            }
        }
        endOfGeneration = eog

        let spm = isSentencePiece
        pieceBytes = v.tokens.enumerated().map { id, text in
            Self.decodedBytes(text, type: v.type(of: id), sentencePiece: spm)
        }
        fingerprint = TokenizerFingerprint.compute(v, bosID: bosID, eosID: eosID, eotID: eot, addBOS: defaultAddBOS)
    }

    /// The bytes a token stands for in output: byte-level texts unmapped, `▁` turned into spaces,
    /// `<0xAB>` byte tokens into their byte; control, unknown and user-defined tokens as their text.
    static func decodedBytes(_ text: String, type: TokenType, sentencePiece: Bool) -> [UInt8] {
        switch type {
        case .control, .unknown, .userDefined, .unused, .undefined:
            return Array(text.utf8)
        case .byte:
            if sentencePiece, text.utf8.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">"),
                let b = UInt8(text.dropFirst(3).prefix(2), radix: 16)
            {
                return [b]
            }
            return Array(text.utf8)
        case .normal:
            if sentencePiece {
                var out: [UInt8] = []
                out.reserveCapacity(text.utf8.count)
                var it = text.utf8.makeIterator()
                var pending: [UInt8] = []
                while let b = it.next() {
                    pending.append(b)
                    if pending == [0xE2, 0x96, 0x81] {
                        out.append(0x20)
                        pending.removeAll()
                    } else if !([0xE2, 0x96, 0x81] as [UInt8]).starts(with: pending) {
                        out.append(contentsOf: pending)
                        pending.removeAll()
                    }
                }
                out.append(contentsOf: pending)
                return out
            }
            let utf8 = Array(text.utf8)
            return ByteLevelMapping.decode(utf8: utf8) ?? utf8
        }
    }
}
