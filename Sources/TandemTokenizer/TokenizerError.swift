/// Everything that can go wrong building or using a ``Tokenizer``, each with a message a user can act on.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required `tokenizer.ggml.*` key is absent from the file.
    case missingKey(String)
    /// A metadata key holds a value of the wrong type or an impossible value.
    case invalidMetadata(key: String, reason: String)
    /// `tokenizer.ggml.model` names a tokenizer family this module does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this module does not implement.
    case unknownPreTokenizer(String)
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// The chat template was not recognised as one of the ``ChatFormat`` families.
    case unknownChatTemplate(excerpt: String)
    /// The file has no `tokenizer.chat_template` and no format was given.
    case missingChatTemplate
    /// A chat format name given by the user is not one of ``ChatFormat``'s cases.
    case unknownChatFormat(String)

    /// A message naming the key, value or id at fault and what to do about it.
    public var description: String {
        switch self {
        case .missingKey(let key):
            return "tokenizer metadata is missing required key '\(key)'"
        case .invalidMetadata(let key, let reason):
            return "tokenizer metadata key '\(key)' is invalid: \(reason)"
        case .unsupportedModel(let model):
            return "unsupported tokenizer model '\(model)' (supported: 'gpt2' byte-level BPE, 'llama' SentencePiece)"
        case .unknownPreTokenizer(let pre):
            let known = PreTokenizerKind.knownNames.sorted().joined(separator: ", ")
            return "unknown pre-tokenizer '\(pre)' in tokenizer.ggml.pre (supported: \(known))"
        case .tokenOutOfRange(let id, let size):
            return "token id \(id) is outside the vocabulary (0..<\(size))"
        case .unknownChatTemplate(let excerpt):
            let names = ChatFormat.allCases.map(\.rawValue).joined(separator: ", ")
            return
                "unrecognised chat template (starts: \(excerpt.debugDescription)); choose a format explicitly (\(names))"
        case .missingChatTemplate:
            let names = ChatFormat.allCases.map(\.rawValue).joined(separator: ", ")
            return "the model has no tokenizer.chat_template; choose a format explicitly (\(names))"
        case .unknownChatFormat(let name):
            let names = ChatFormat.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown chat format '\(name)' (known: \(names))"
        }
    }
}
