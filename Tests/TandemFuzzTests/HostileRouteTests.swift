import TandemDecoding
import TandemTestSupport
import Testing

/// Found by `tandem bench fuzz --target server --seed 1` (input 8662): a session opened with a giant
/// `stop_tokens` list, then an `extend` with a giant token list, made the verifier compare every token
/// with every stop token (≈ 10^10 comparisons) on the model's compute queue before refusing the request
/// for its length, stalling every session of the server for seconds. The length is now checked first and
/// stop tokens are a set.
struct HostileRouteTests {
    static let target = ToyModel.hashed(vocabularySize: 64, contextLength: 256, seed: 7, scale: 8)

    @Test func anOversizedExtendIsRefusedForItsLengthBeforeAnyTokenIsRead() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        let info = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 32, stopTokens: [63]))
        // Longer than the session allows and ending in a stop token: before the fix the stop-token scan ran
        // first and answered `invalidProposal`; now the length refusal comes first.
        let tokens = Array(repeating: 5, count: 199_999) + [63]
        await #expect(throws: GenerationError.windowTooLarge(requested: tokens.count, limit: 31)) {
            _ = try await verifier.route(RouteRequest(round: 1, base: info.base, tokens: tokens))
        }
        await verifier.close()
    }

    @Test func manyStopTokensStillStopTheSession() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        let stops = Array(repeating: 62, count: 50_000) + Array(0..<64)
        let info = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 32, stopTokens: stops))
        // Every token is a stop token, so the first answer ends the session.
        let answer = try await verifier.route(RouteRequest(round: 1, base: info.base, tokens: []))
        #expect(answer.finished)
        await verifier.close()
    }
}
