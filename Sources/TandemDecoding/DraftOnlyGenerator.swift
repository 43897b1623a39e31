/// Baseline: the draft alone, one proposed token at a time, never verified (no cloud passes).
/// Under sampling its tokens follow the drafter's q, not the target's distribution.
public struct DraftOnlyGenerator: TokenGenerator {
    private let drafter: any Drafter

    public init(drafter: any Drafter) {
        self.drafter = drafter
    }

    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        let drafter = self.drafter
        return .generation { continuation in
            let clock = ContinuousClock()
            var sink = TokenSink(
                continuation, request: request, stopStrings: stopStrings, clock: clock, start: clock.now)
            var counters = GenerationCounters()
            let started = clock.now
            try await drafter.start(request)
            counters.draftSeconds += (clock.now - started).seconds
            while true {
                try Task.checkCancellation()
                if sink.remaining <= 0 { return sink.result(.maxTokens, counters: counters) }
                let stepStart = clock.now
                let proposal = try await drafter.propose(1)
                guard proposal.tokens.count <= 1 else {
                    throw GenerationError.invalidProposal(
                        "the drafter proposed \(proposal.tokens.count) tokens for a window of 1")
                }
                guard let token = proposal.tokens.first else { return sink.result(.contextFull, counters: counters) }
                try await drafter.advance([token])
                counters.draftSeconds += (clock.now - stepStart).seconds
                if let reason = sink.emit(token) { return sink.result(reason, counters: counters) }
            }
        }
    }
}
