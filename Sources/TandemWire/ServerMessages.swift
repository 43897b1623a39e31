import TandemDecoding

/// The server's limits for a session.
public struct WireLimits: Sendable, Equatable, Codable {
    /// Most drafts in one `verify`.
    public var maxWindow: Int
    /// The agreed sequence never grows past this.
    public var contextLength: Int
    /// Valid token ids are `0..<vocabularySize`.
    public var vocabularySize: Int

    public init(maxWindow: Int, contextLength: Int, vocabularySize: Int) {
        self.maxWindow = maxWindow
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }
}

/// `opened`: the session exists and holds `base` agreed tokens.
public struct OpenedMessage: Sendable, Equatable, Codable {
    public var session: String
    /// The target model's id.
    public var model: String
    public var targetFingerprint: String
    public var base: Int
    public var limits: WireLimits
    /// SHA-256 of the target model's file (64 hex digits), when the server computed it; clients that
    /// require a particular model compare it.
    public var modelSha256: String?
    /// The server's time for opening (the prompt's prefill); absent from servers that do not report it.
    public var timings: WireTimings?

    public init(session: String, model: String, targetFingerprint: String, base: Int, limits: WireLimits,
                modelSha256: String? = nil, timings: WireTimings? = nil) {
        self.session = session
        self.model = model
        self.targetFingerprint = targetFingerprint
        self.base = base
        self.limits = limits
        self.modelSha256 = modelSha256
        self.timings = timings
    }

    /// The decoding core's view of this answer.
    public func sessionInfo(wireBytes: Int = 0) -> SessionInfo {
        var info = SessionInfo(sessionID: session, base: base, vocabularySize: limits.vocabularySize,
                               contextLength: limits.contextLength, maxWindow: limits.maxWindow, wireBytes: wireBytes)
        info.serverCPUSeconds = (timings?.cpuMs ?? 0) / 1000
        return info
    }
}

/// `verdict`: the answer to a round.
public struct VerdictMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var accepted: Int
    public var next: Int
    public var finished: Bool
    public var timings: WireTimings

    public init(round: Int, accepted: Int, next: Int, finished: Bool, timings: WireTimings = WireTimings()) {
        self.round = round
        self.accepted = accepted
        self.next = next
        self.finished = finished
        self.timings = timings
    }

    public init(_ verdict: Verdict) {
        self.init(round: verdict.round, accepted: verdict.accepted, next: verdict.next, finished: verdict.finished,
                  timings: WireTimings(queueMs: verdict.timings.queueSeconds * 1000,
                                       computeMs: verdict.timings.computeSeconds * 1000,
                                       provisionalMs: verdict.timings.provisionalSeconds.map { $0 * 1000 },
                                       cpuMs: verdict.timings.cpuSeconds * 1000))
    }

    /// The decoding core's view of this answer.
    public func verdict(wireBytes: Int = 0) -> Verdict {
        Verdict(round: round, accepted: accepted, next: next, finished: finished,
                timings: Verdict.Timings(queueSeconds: timings.queueMs / 1000, computeSeconds: timings.computeMs / 1000,
                                         provisionalSeconds: timings.provisionalMs.map { $0 / 1000 },
                                         cpuSeconds: timings.cpuMs / 1000),
                wireBytes: wireBytes)
    }
}

/// `provisional`: the server's early-exit guess at a round's verdict, sent mid-pass before the `verdict`
/// to a session opened with `preemptive: true` (same fields as the verdict it anticipates).
public struct ProvisionalMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var accepted: Int
    public var next: Int

    public init(round: Int, accepted: Int, next: Int) {
        self.round = round
        self.accepted = accepted
        self.next = next
    }

    public init(round: Int, _ provisional: Verdict.Provisional) {
        self.init(round: round, accepted: provisional.accepted, next: provisional.next)
    }

    /// The decoding core's view of this guess.
    public var provisional: Verdict.Provisional { Verdict.Provisional(accepted: accepted, next: next) }
}

/// `error`: what went wrong with the last frame; the connection stays open unless the code says otherwise.
public struct ErrorMessage: Sendable, Equatable, Codable {
    public var code: WireErrorCode
    public var message: String

    public init(code: WireErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: WireError) {
        self.init(code: error.code, message: error.message)
    }

    public var wireError: WireError { WireError(code, message) }
}
