/// `POST /v1/completions`' body (the legacy text completion). Unknown fields are ignored.
public struct CompletionRequest: Decodable, Sendable, Equatable {
    public var model: String?
    public var prompt: PromptField
    public var sampling: SamplingFields
    public var maxTokens: Int?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    /// `echo: true` (prepend the prompt) is refused; false or absent is accepted.
    public var echo: Bool?
    /// `suffix` (insertion) is refused when non-empty.
    public var suffix: String?

    enum CodingKeys: String, CodingKey {
        case model, prompt
        case maxTokens = "max_tokens"
        case stream
        case streamOptions = "stream_options"
        case echo, suffix
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        prompt = try c.decode(PromptField.self, forKey: .prompt)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        echo = try c.decodeIfPresent(Bool.self, forKey: .echo)
        suffix = try c.decodeIfPresent(String.self, forKey: .suffix)
        sampling = try SamplingFields(from: decoder)
    }
}

/// `prompt`: a string, token ids, or a one-element array of either (several prompts, a batch, are
/// refused: one request, one completion).
public enum PromptField: Decodable, Sendable, Equatable {
    case text(String)
    case tokens([Int])
    case batch(count: Int)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .text(s)
        } else if let ids = try? c.decode([Int].self) {
            self = .tokens(ids)
        } else if let list = try? c.decode([String].self) {
            self = list.count == 1 ? .text(list[0]) : .batch(count: list.count)
        } else if let lists = try? c.decode([[Int]].self) {
            self = lists.count == 1 ? .tokens(lists[0]) : .batch(count: lists.count)
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a string, an array of token ids, or a one-element array of either"))
        }
    }
}
