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

    public init(
        maxSessions: Int = 8, maxWindow: Int = 16, contextLength: Int? = nil, idleTimeout: Duration = .seconds(300)
    ) {
        self.maxSessions = maxSessions
        self.maxWindow = maxWindow
        self.contextLength = contextLength
        self.idleTimeout = idleTimeout
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
