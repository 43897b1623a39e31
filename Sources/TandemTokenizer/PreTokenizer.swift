/// The pre-tokenizers named by `tokenizer.ggml.pre`. Each splits text (as Unicode scalar values) into
/// pre-tokens that BPE then merges independently. Families with several regexes apply them in sequence
/// as llama.cpp and Hugging Face do: every step splits each chunk of the previous step into its matches
/// and the text between them, and the next step sees chunk ends as text ends.
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`, … .
    case llama3
    /// Qwen2 / Qwen2.5: the Llama 3 pattern with single digits (`\p{N}`).
    case qwen2
    /// StarCoder, SmolLM, Refact: every digit split off (`\p{N}`), then the GPT-2 pattern.
    case starcoder
    /// DeepSeek LLM: newlines, cased-letter runs, ASCII/full-width punctuation, trailing whitespace,
    /// CJK/Hangul runs, single digits; no GPT-2 pattern.
    case deepseekLLM
    /// Falcon: punctuation runs, the GPT-2 pattern, then ASCII digit triples.
    case falcon
    /// llama.cpp's `default`: punctuation runs, the GPT-2 pattern, digit runs, ASCII digit triples.
    case llamaDefault

    /// `tokenizer.ggml.pre` values and what they select (spellings as llama.cpp accepts them).
    static let byName: [String: PreTokenizerKind] = [
        "default": .llamaDefault,
        "gpt-2": .gpt2, "gpt2": .gpt2, "phi-2": .gpt2, "olmo": .gpt2, "mpt": .gpt2, "jina-es": .gpt2,
        "jina-de": .gpt2, "jais": .gpt2,
        "llama3": .llama3, "llama-v3": .llama3, "llama-bpe": .llama3, "falcon3": .llama3, "pixtral": .llama3,
        "dbrx": .llama3, "smaug-bpe": .llama3,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2, "stablelm2": .qwen2,
        "starcoder": .starcoder, "refact": .starcoder, "smollm": .starcoder, "command-r": .starcoder,
        "codeshell": .starcoder, "exaone": .starcoder, "minerva-7b": .starcoder,
        "deepseek-llm": .deepseekLLM,
        "falcon": .falcon,
    ]

    /// Every `pre` value this module accepts.
    public static var knownNames: [String] { Array(byName.keys) }

    /// The pre-tokenizer a `tokenizer.ggml.pre` value selects; a missing value selects llama.cpp's
    /// `default`. An unknown name is an error, never a silent fallback.
    public static func named(_ pre: String?) throws(TokenizerError) -> PreTokenizerKind {
        guard let pre else { return .llamaDefault }
        guard let kind = byName[pre] else { throw .unknownPreTokenizer(pre) }
        return kind
    }

    /// Whether a whole pre-token found in the vocabulary is emitted without merging (llama.cpp's
    /// `ignore_merges`, set for Llama 3).
    public var ignoresMerges: Bool { self == .llama3 }

    /// Splits `text` (Unicode scalar values) into pre-tokens, returned as ranges of indices that cover
    /// `0..<text.count` in order, without gaps or empty ranges.
    public func split(_ text: [UInt32]) -> [Range<Int>] {
        var chunks: [Range<Int>] = text.isEmpty ? [] : [0..<text.count]
        for step in steps {
            var next: [Range<Int>] = []
            next.reserveCapacity(chunks.count * 2)
            for chunk in chunks { step.split(text, chunk, into: &next) }
            chunks = next
        }
        return chunks
    }

    var steps: [PreTokenizerStep] {
        switch self {
        case .gpt2: return [.gpt2]
        case .llama3: return [.llama3(maxDigits: 3)]
        case .qwen2: return [.llama3(maxDigits: 1)]
        case .starcoder: return [.isolated(.singleNumber), .gpt2]
        case .deepseekLLM:
            return [
                .isolated(.crOrLF), .isolated(.deepseekLetters), .isolated(.deepseekPunctuation),
                .isolated(.trailingWhitespace), .isolated(.cjkHangul), .isolated(.singleNumber),
            ]
        case .falcon: return [.isolated(.falconPunctuation), .gpt2, .isolated(.asciiDigitTriple)]
        case .llamaDefault:
            return [.isolated(.defaultPunctuation), .gpt2, .isolated(.numberRun), .isolated(.asciiDigitTriple)]
        }
    }
}

/// One regex of a pre-tokenizer sequence.
enum PreTokenizerStep: Sendable {
    case gpt2
    case llama3(maxDigits: Int)
    case isolated(IsolatedPattern)

    func split(_ s: [UInt32], _ chunk: Range<Int>, into out: inout [Range<Int>]) {
        switch self {
        case .gpt2: GPT2Scanner.split(s, chunk, into: &out)
        case .llama3(let maxDigits): Llama3Scanner.split(s, chunk, maxDigits: maxDigits, into: &out)
        case .isolated(let pattern): pattern.split(s, chunk, into: &out)
        }
    }
}
