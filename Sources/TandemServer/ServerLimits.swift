/// What one server allows; every limit is enforced per request with an `error` frame, never a crash.
public struct ServerLimits: Sendable, Equatable {
    /// Most sessions open at once (one KV cache each).
    public var maxSessions: Int
    /// Most drafts in one `verify`.
    public var maxWindow: Int
    /// Most agreed tokens in a session; nil means the model's context length (never more).
    public var contextLength: Int?
    /// A connection silent this long gets `error{idle_timeout}` and is closed (its cache freed).
    public var idleTimeout: Duration
    /// Largest `/v1/assist` message accepted, in bytes: a single larger frame is refused by the
    /// WebSocket layer (close code 1009), a larger message in several frames gets
    /// `error{frame_too_large}`; the connection closes either way. Frames are decoded whole, so this
    /// bounds what one client makes the server hold.
    public var maxFrameBytes: Int
    /// Largest OpenAI request body accepted, in bytes (413 above it).
    public var maxBodyBytes: Int
    /// Most rounds in flight over all sessions (`verify`, `extend` and OpenAI completions); one more
    /// gets `error{overloaded}` / 429. nil: no cap beyond `maxSessions` (each session has at most one
    /// round in flight: a connection reads its next frame only after answering the last).
    public var maxQueuedRounds: Int?
    /// Sessions the whole server opens per minute (a token bucket holding a minute's worth); one more
    /// gets `error{rate_limited}` / 429. nil: no rate limit.
    public var opensPerMinute: Int?
    /// A new connection must send a whole request head (an upgrade or an HTTP request) within this, or
    /// it gets `408` and is closed; an unparseable one gets `400` at once.
    public var requestHeadTimeout: Duration

    public init(
        maxSessions: Int = 8, maxWindow: Int = 16, contextLength: Int? = nil, idleTimeout: Duration = .seconds(300),
        maxFrameBytes: Int = 256 << 10, maxBodyBytes: Int = 256 << 10, maxQueuedRounds: Int? = nil,
        opensPerMinute: Int? = nil, requestHeadTimeout: Duration = .seconds(30)
    ) {
        self.requestHeadTimeout = requestHeadTimeout
        self.maxSessions = maxSessions
        self.maxWindow = maxWindow
        self.contextLength = contextLength
        self.idleTimeout = idleTimeout
        self.maxFrameBytes = maxFrameBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxQueuedRounds = maxQueuedRounds
        self.opensPerMinute = opensPerMinute
    }

    /// These limits narrowed by a key's own (a key never gets more than the server allows).
    func narrowed(by key: KeyLimits) -> ServerLimits {
        var limits = self
        if let window = key.maxWindow { limits.maxWindow = min(limits.maxWindow, window) }
        if let context = key.maxContext { limits.contextLength = min(limits.contextLength ?? context, context) }
        return limits
    }
}

/// Faults the server can inject, for tests of the client's recovery.
public struct FaultInjection: Sendable, Equatable {
    /// Abort the TCP connection, without answering, when the server receives its n-th `verify` (counted
    /// over the whole server, once).
    public var dropConnectionAtVerify: Int?
    /// From the server's n-th `verify` on, act as a dead verifier: abort every connection at its next
    /// `open` or `verify` without answering (the HTTP endpoints keep working).
    public var goDownAtVerify: Int?

    public init(dropConnectionAtVerify: Int? = nil, goDownAtVerify: Int? = nil) {
        self.dropConnectionAtVerify = dropConnectionAtVerify
        self.goDownAtVerify = goDownAtVerify
    }
}
