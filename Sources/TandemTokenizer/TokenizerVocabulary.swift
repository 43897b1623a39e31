/// The tokenizer's data exactly as a GGUF file stores it under `tokenizer.ggml.*`, as a plain value.
///
/// ``Tokenizer/init(vocabulary:)`` turns it into a working tokenizer; `TokenizerVocabulary(gguf:)`
/// reads it from a file. Tests build small ones by hand.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: `"gpt2"` (byte-level BPE) or `"llama"` (SentencePiece).
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer name (`"qwen2"`, `"llama-bpe"`, `"smollm"` …); `nil` when absent.
    public var pre: String?
    /// `tokenizer.ggml.tokens`: token texts, index = id. Byte-level BPE texts use the GPT-2 byte mapping.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`; empty means every token is ``TokenType/normal``.
    public var types: [TokenType]
    /// `tokenizer.ggml.scores` (SentencePiece merge priorities); empty when absent.
    public var scores: [Float]
    /// `tokenizer.ggml.merges`: `"left right"`, highest priority first (byte-level BPE only).
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id`.
    public var bosID: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosID: Int?
    /// End-of-turn token (`tokenizer.ggml.eot_token_id`), when the file names one.
    public var eotID: Int?
    /// `tokenizer.ggml.unknown_token_id`.
    public var unknownID: Int?
    /// `tokenizer.ggml.padding_token_id`.
    public var paddingID: Int?
    /// `tokenizer.ggml.add_bos_token`; `nil` when absent (the default then depends on model and pre).
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`; `nil` when absent.
    public var addEOS: Bool?
    /// `tokenizer.ggml.add_space_prefix` (SentencePiece); `nil` when absent (default true).
    public var addSpacePrefix: Bool?
    /// `tokenizer.chat_template` (Jinja source), when present.
    public var chatTemplate: String?

    /// A vocabulary from its parts; only `model` and `tokens` are required.
    public init(
        model: String, pre: String? = nil, tokens: [String], types: [TokenType] = [], scores: [Float] = [],
        merges: [String] = [], bosID: Int? = nil, eosID: Int? = nil, eotID: Int? = nil,
        unknownID: Int? = nil, paddingID: Int? = nil, addBOS: Bool? = nil, addEOS: Bool? = nil,
        addSpacePrefix: Bool? = nil, chatTemplate: String? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.types = types
        self.scores = scores
        self.merges = merges
        self.bosID = bosID
        self.eosID = eosID
        self.eotID = eotID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.chatTemplate = chatTemplate
    }

    /// The type of token `id` (``TokenType/normal`` when the file has no types).
    @inlinable public func type(of id: Int) -> TokenType {
        id >= 0 && id < types.count ? types[id] : .normal
    }
}
