import TandemGGUF

extension TokenizerVocabulary {
    /// Reads `tokenizer.ggml.*` and `tokenizer.chat_template` from a GGUF file. Missing required keys
    /// (`model`, `tokens`) and values of the wrong type are ``TokenizerError``s naming the key.
    public init(gguf: GGUFFile) throws {
        func optional<T>(_ key: String, _ read: (String) throws -> T) throws -> T? {
            guard gguf.value(key) != nil else { return nil }
            do { return try read(key) } catch {
                throw TokenizerError.invalidMetadata(key: key, reason: "\(error)")
            }
        }
        guard let model = try optional("tokenizer.ggml.model", gguf.string) else {
            throw TokenizerError.missingKey("tokenizer.ggml.model")
        }
        guard let tokens = try optional("tokenizer.ggml.tokens", gguf.stringArray) else {
            throw TokenizerError.missingKey("tokenizer.ggml.tokens")
        }
        let types = try optional("tokenizer.ggml.token_type", gguf.intArray)?.map(TokenType.init(stored:)) ?? []
        self.init(
            model: model,
            pre: try optional("tokenizer.ggml.pre", gguf.string),
            tokens: tokens,
            types: types,
            scores: try optional("tokenizer.ggml.scores", gguf.floatArray) ?? [],
            merges: try optional("tokenizer.ggml.merges", gguf.stringArray) ?? [],
            bosID: try optional("tokenizer.ggml.bos_token_id", gguf.int),
            eosID: try optional("tokenizer.ggml.eos_token_id", gguf.int),
            eotID: try optional("tokenizer.ggml.eot_token_id", gguf.int),
            unknownID: try optional("tokenizer.ggml.unknown_token_id", gguf.int),
            paddingID: try optional("tokenizer.ggml.padding_token_id", gguf.int),
            addBOS: try optional("tokenizer.ggml.add_bos_token", gguf.bool),
            addEOS: try optional("tokenizer.ggml.add_eos_token", gguf.bool),
            addSpacePrefix: try optional("tokenizer.ggml.add_space_prefix", gguf.bool),
            chatTemplate: try optional("tokenizer.chat_template", gguf.string)
        )
    }
}

extension Tokenizer {
    /// Reads the tokenizer of a GGUF file (see ``TokenizerVocabulary/init(gguf:)``).
    public init(gguf: GGUFFile) throws {
        try self.init(vocabulary: TokenizerVocabulary(gguf: gguf))
    }

    /// Opens a GGUF file (memory-mapped) and reads its tokenizer.
    public init(path: String) throws {
        try self.init(gguf: GGUFFile(path: path))
    }
}
