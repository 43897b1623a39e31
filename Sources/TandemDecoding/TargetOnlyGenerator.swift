/// Baseline: the target alone, one token per round (rounds with no drafts), over any `Verifier`.
/// In-process this is plain target decoding; over the network, server-only decoding.
/// Its tokens are the target's own sampling (the lossless rule with k = 0 draws from p).
public struct TargetOnlyGenerator: TokenGenerator {
    private let generator: AssistedGenerator

    public init(verifier: any Verifier) {
        generator = AssistedGenerator(drafter: NoDrafter(), verifier: verifier, policy: FixedWindow(0))
    }

    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        generator.generate(request, stopStrings: stopStrings)
    }
}

/// A drafter that never proposes anything.
struct NoDrafter: Drafter {
    func start(_ request: SessionRequest) async throws {}
    func propose(_ count: Int) async throws -> DraftProposal { .empty }
    func advance(_ tokens: [Int]) async throws {}
}
