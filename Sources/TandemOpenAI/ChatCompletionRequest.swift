/// `POST /v1/chat/completions`' body. Fields this server does not know are ignored, as OpenAI servers
/// do; `OpenAIRequestDecoder` turns decoding failures into OpenAI-shaped errors naming the field.
public struct ChatCompletionRequest: Decodable, Sendable, Equatable {
    /// One message of the conversation.
    public struct Message: Decodable, Sendable, Equatable {
        /// `system`, `developer` (read as `system`), `user`, `assistant` or `tool`.
        public var role: String
        /// The text; nil for an assistant turn that only called tools.
        public var content: MessageContent?

        public init(role: String, content: String?) {
            self.role = role
            self.content = content.map { .text($0) }
        }
    }

    public var model: String?
    public var messages: [Message]
    public var sampling: SamplingFields
    /// `max_completion_tokens` (the newer name) or `max_tokens`.
    public var maxTokens: Int?
    public var stream: Bool?
    public var streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey {
        case model, messages
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case stream
        case streamOptions = "stream_options"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        messages = try c.decode([Message].self, forKey: .messages)
        maxTokens =
            try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .maxTokens)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        sampling = try SamplingFields(from: decoder)
    }
}

/// `stream_options`.
public struct StreamOptions: Decodable, Sendable, Equatable {
    /// Send a last chunk with `usage` (and empty `choices`) before `[DONE]`.
    public var includeUsage: Bool?

    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// A message's `content`: a string, or an array of parts of which only `{"type": "text"}` ones are
/// accepted (joined with newlines, as vLLM does).
public enum MessageContent: Decodable, Sendable, Equatable {
    case text(String)
    case parts([Part])

    public struct Part: Decodable, Sendable, Equatable {
        public var type: String
        public var text: String?

        public init(type: String, text: String?) {
            self.type = type
            self.text = text
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self = .text(text)
        } else if let parts = try? c.decode([Part].self) {
            self = .parts(parts)
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: decoder.codingPath, debugDescription: "a string or an array of content parts"))
        }
    }
}

/// The sampling fields `/v1/chat/completions` and `/v1/completions` share (OpenAI's, plus the
/// `top_k`, `min_p` and `repetition_penalty` extensions vLLM and llama.cpp accept).
public struct SamplingFields: Decodable, Sendable, Equatable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var repetitionPenalty: Double?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    public var seed: Int64?
    public var stop: StopField?
    public var n: Int?
    public var logprobs: LogprobsField?
    public var bestOf: Int?

    enum CodingKeys: String, CodingKey {
        case temperature
        case topP = "top_p"
        case topK = "top_k"
        case minP = "min_p"
        case repetitionPenalty = "repetition_penalty"
        case repeatPenalty = "repeat_penalty"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case seed, stop, n, logprobs
        case bestOf = "best_of"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        minP = try c.decodeIfPresent(Double.self, forKey: .minP)
        repetitionPenalty =
            try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
            ?? c.decodeIfPresent(Double.self, forKey: .repeatPenalty)
        presencePenalty = try c.decodeIfPresent(Double.self, forKey: .presencePenalty)
        frequencyPenalty = try c.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        seed = try c.decodeIfPresent(Int64.self, forKey: .seed)
        stop = try c.decodeIfPresent(StopField.self, forKey: .stop)
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        logprobs = try c.decodeIfPresent(LogprobsField.self, forKey: .logprobs)
        bestOf = try c.decodeIfPresent(Int.self, forKey: .bestOf)
    }
}

/// `stop`: one string or an array of strings.
public enum StopField: Decodable, Sendable, Equatable {
    case one(String)
    case many([String])

    public var strings: [String] {
        switch self {
        case .one(let s): [s]
        case .many(let list): list
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .one(s)
        } else if let list = try? c.decode([String].self) {
            self = .many(list)
        } else {
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: decoder.codingPath, debugDescription: "a string or an array of strings"))
        }
    }
}

/// `logprobs`: a boolean in chat requests, a count in legacy completions.
public enum LogprobsField: Decodable, Sendable, Equatable {
    case flag(Bool)
    case count(Int)

    /// True when log probabilities were asked for.
    public var isRequested: Bool {
        switch self {
        case .flag(let b): b
        case .count(let n): n > 0
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .flag(b)
        } else if let n = try? c.decode(Int.self) {
            self = .count(n)
        } else {
            throw DecodingError.typeMismatch(
                Bool.self, .init(codingPath: decoder.codingPath, debugDescription: "a boolean or an integer"))
        }
    }
}
