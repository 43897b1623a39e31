/// `usage`: token counts of one request.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        totalTokens = promptTokens + completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }
}

/// The `tandem` extension field: how the completion was made (a plain OpenAI client ignores it).
public struct TandemCompletionStats: Codable, Sendable, Equatable {
    /// `cloud` (the verifier alone), `assisted` (draft and verifier) or `local` (the draft alone).
    public var mode: String
    public var acceptanceRate: Double
    public var tokensPerRound: Double
    public var cloudPassesPerToken: Double
    /// Tokens the draft made alone while no verifier answered.
    public var localTokens: Int
    public var failovers: Int
    public var rounds: Int
    public var tokensPerS: Double
    public var ttftMs: Double

    public init(
        mode: String, acceptanceRate: Double, tokensPerRound: Double, cloudPassesPerToken: Double, localTokens: Int,
        failovers: Int, rounds: Int, tokensPerS: Double, ttftMs: Double
    ) {
        self.mode = mode
        self.acceptanceRate = acceptanceRate
        self.tokensPerRound = tokensPerRound
        self.cloudPassesPerToken = cloudPassesPerToken
        self.localTokens = localTokens
        self.failovers = failovers
        self.rounds = rounds
        self.tokensPerS = tokensPerS
        self.ttftMs = ttftMs
    }

    enum CodingKeys: String, CodingKey {
        case mode
        case acceptanceRate = "acceptance_rate"
        case tokensPerRound = "tokens_per_round"
        case cloudPassesPerToken = "cloud_passes_per_token"
        case localTokens = "local_tokens"
        case failovers, rounds
        case tokensPerS = "tokens_per_s"
        case ttftMs = "ttft_ms"
    }
}

/// A non-streamed `chat.completion`.
public struct ChatCompletion: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: AssistantMessage
        public var finishReason: String?

        public init(index: Int = 0, message: AssistantMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decode(Int.self, forKey: .index)
            message = try c.decode(AssistantMessage.self, forKey: .message)
            finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(message, forKey: .message)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
        }
    }

    public struct AssistantMessage: Codable, Sendable, Equatable {
        public var role: String
        public var content: String

        public init(role: String = "assistant", content: String) {
            self.role = role
            self.content = content
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage
    public var tandem: TandemCompletionStats?

    public init(
        id: String, created: Int, model: String, choices: [Choice], usage: Usage, tandem: TandemCompletionStats?
    ) {
        self.id = id
        object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.tandem = tandem
    }
}

/// One streamed `chat.completion.chunk`.
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: Delta
        public var finishReason: String?

        public init(index: Int = 0, delta: Delta, finishReason: String?) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decode(Int.self, forKey: .index)
            delta = try c.decode(Delta.self, forKey: .delta)
            finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
        }
    }

    /// The new part of the message: the role in the first chunk, then text.
    public struct Delta: Codable, Sendable, Equatable {
        public var role: String?
        public var content: String?

        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    /// Present (null until the last chunk) only with `stream_options.include_usage`.
    public var usage: Usage?
    public var tandem: TandemCompletionStats?

    public init(
        id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil,
        tandem: TandemCompletionStats? = nil
    ) {
        self.id = id
        object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.tandem = tandem
    }
}

/// A non-streamed `text_completion`, or (with `finish_reason` null until the last) one streamed chunk.
public struct TextCompletion: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var text: String
        public var finishReason: String?

        public init(index: Int = 0, text: String, finishReason: String?) {
            self.index = index
            self.text = text
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decode(Int.self, forKey: .index)
            text = try c.decode(String.self, forKey: .text)
            finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(text, forKey: .text)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var tandem: TandemCompletionStats?

    public init(
        id: String, created: Int, model: String, choices: [Choice], usage: Usage?,
        tandem: TandemCompletionStats? = nil
    ) {
        self.id = id
        object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.tandem = tandem
    }
}

/// `GET /v1/models` entry in OpenAI's shape.
public struct OpenAIModel: Codable, Sendable, Equatable {
    public var id: String
    public var object: String
    public var created: Int
    public var ownedBy: String

    public init(id: String, created: Int, ownedBy: String) {
        self.id = id
        object = "model"
        self.created = created
        self.ownedBy = ownedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }
}

/// `GET /v1/models`.
public struct OpenAIModelList: Codable, Sendable, Equatable {
    public var object: String
    public var data: [OpenAIModel]

    public init(data: [OpenAIModel]) {
        object = "list"
        self.data = data
    }
}
