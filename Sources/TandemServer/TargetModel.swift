import TandemDecoding
import TandemModel
import TandemTokenizer

/// The model a server verifies with: what it tells clients about it, and how to make a session of it.
///
/// The server makes one `LanguageModelSession` (one KV cache) per client session and runs every pass
/// on `queue`, shared by all sessions, so one forward pass runs at a time on the engine's threads.
public struct TargetModel: Sendable {
    /// The model's id (`/v1/models`, `opened.model`).
    public var id: String
    /// The tokenizer fingerprint a draft must match.
    public var fingerprint: String
    public var vocabularySize: Int
    public var contextLength: Int
    /// Makes a fresh session (an empty cache) of the model.
    public var makeSession: @Sendable () throws -> any LanguageModelSession
    /// The target's sampling distribution for a session's parameters.
    public var shaper: ShaperFactory
    /// The model's compute queue.
    public var queue: ComputeQueue
    /// SHA-256 of the model file (64 lowercase hex digits), when computed: reported in `opened`,
    /// `/v1/models` and to a coordinator.
    public var sha256: String?
    /// The model's tokenizer, when the server has one: it enables the OpenAI-compatible endpoints
    /// (`/v1/chat/completions`, `/v1/completions`), which take and return text.
    public var tokenizer: Tokenizer?
    /// The chat format for `/v1/chat/completions` when it is not the one the file's template declares.
    public var chatFormat: ChatFormat?
    /// With continuous batching: the batcher every session's passes go through. Each session then
    /// gets its own compute queue (`sessionQueue()`), which only orders that session's work; the
    /// batcher (and the engine's pass lock) keep one pass at a time on the model.
    public var batcher: PassBatcher?
    /// The KV memory budget all sessions' caches share, when there is one (reported in /metrics).
    public var kvBudget: KVBudget?

    /// The queue a new session's verifier runs on: its own with a batcher, else the model's `queue`.
    public func sessionQueue() -> ComputeQueue {
        batcher == nil ? queue : ComputeQueue(label: "tandem.session.\(id)")
    }

    public init(
        id: String, fingerprint: String, vocabularySize: Int, contextLength: Int,
        queue: ComputeQueue = ComputeQueue(label: "tandem.target"),
        shaper: @escaping ShaperFactory = SamplingDistribution.factory, sha256: String? = nil,
        tokenizer: Tokenizer? = nil, makeSession: @escaping @Sendable () throws -> any LanguageModelSession
    ) {
        self.id = id
        self.fingerprint = fingerprint
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.makeSession = makeSession
        self.shaper = shaper
        self.queue = queue
        self.sha256 = sha256
        self.tokenizer = tokenizer
    }
}
