/// The type of a vocabulary entry, as stored in `tokenizer.ggml.token_type` (llama.cpp's numbering).
public enum TokenType: Int, Sendable, Equatable, CaseIterable {
    case undefined = 0
    /// An ordinary piece produced by merges.
    case normal = 1
    /// The unknown token (`<unk>`).
    case unknown = 2
    /// A control token (`<|im_start|>`, `<|eot_id|>`, `<s>` …): matched in text only with `parseSpecial`.
    case control = 3
    /// A user-defined (added) token: always matched in text before pre-tokenization, written as-is.
    case userDefined = 4
    case unused = 5
    /// A SentencePiece byte-fallback token `<0xAB>`.
    case byte = 6

    /// Maps a stored integer to a type; values llama.cpp does not define read as ``undefined``.
    public init(stored: Int) {
        self = TokenType(rawValue: stored) ?? .undefined
    }
}
