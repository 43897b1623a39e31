import TandemDecoding
import TandemWire

extension OpenMessage {
    /// The message for a session request.
    public init(_ request: SessionRequest, draftFingerprint: String, draftModel: String? = nil) {
        self.init(
            draftFingerprint: draftFingerprint, draftModel: draftModel, sampling: WireSampling(request.sampling),
            prompt: request.prompt, maxTokens: request.maxTokens, stopTokens: request.stopTokens)
    }

    /// The session request this message asks for.
    public var request: SessionRequest {
        SessionRequest(prompt: prompt, sampling: sampling.parameters, maxTokens: maxTokens, stopTokens: stopTokens)
    }
}

extension VerifyMessage {
    public init(_ round: DraftRound) {
        self.init(round: round.round, base: round.base, drafts: round.drafts, q: round.q?.map(WireDistribution.init))
    }

    /// The decoding core's view of this round.
    public var draftRound: DraftRound {
        DraftRound(round: round, base: base, drafts: drafts, q: q?.map(\.distribution))
    }
}

extension ExtendMessage {
    public init(_ request: RouteRequest) {
        self.init(round: request.round, base: request.base, tokens: request.tokens, span: request.span)
    }

    /// The decoding core's view of this request.
    public var routeRequest: RouteRequest { RouteRequest(round: round, base: base, tokens: tokens, span: span) }
}
