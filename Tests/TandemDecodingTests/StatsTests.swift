import Foundation
import TandemTestSupport
import Testing

@testable import TandemDecoding

@Suite struct StatsTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 1, scale: 4)
    static let draft = ToyModel.perturbed(target, disagreement: 0.3)
    static let request = SessionRequest(prompt: [4, 8], maxTokens: 30)

    @Test func encodesWithSnakeCaseKeys() async throws {
        let result = try await makeAssisted(target: Self.target, draft: Self.draft, policy: FixedWindow(2)).run(
            Self.request)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result.stats)) as? [String: Any]
        let keys = Set(json?.keys.map { $0 } ?? [])
        #expect(
            keys == [
                "acceptance_rate", "tokens_per_round", "rounds", "cloud_passes_per_token",
                "cloud_positions_per_token", "bytes_per_token", "tokens_per_s", "ttft_ms", "draft_ms",
                "network_ms", "queue_ms", "verify_ms", "server_cpu_s_per_token", "per_position_acceptance",
                "generated_tokens", "proposed", "accepted", "local_tokens", "failovers",
                "routed_fraction", "routed_positions", "route_replaced", "route_fallbacks",
            ])
        let decoded = try JSONDecoder().decode(GenerationStats.self, from: JSONEncoder().encode(result.stats))
        #expect(decoded == result.stats)
    }

    @Test func assistedStatsAddUp() async throws {
        let result = try await makeAssisted(target: Self.target, draft: Self.draft, policy: FixedWindow(4)).run(
            Self.request)
        let s = result.stats
        #expect(s.generatedTokens == 30)
        #expect(s.proposed > 0 && s.accepted <= s.proposed)
        #expect(abs(s.acceptanceRate - Double(s.accepted) / Double(s.proposed)) < 1e-12)
        #expect(abs(s.tokensPerRound - 30 / Double(s.rounds)) < 1e-12)
        #expect(abs(s.cloudPassesPerToken - Double(s.rounds) / 30) < 1e-12)
        #expect(abs(s.cloudPositionsPerToken - Double(s.proposed + s.rounds) / 30) < 1e-12)
        #expect(s.bytesPerToken == 0)
        #expect(s.tokensPerS > 0 && s.ttftMs > 0 && s.verifyMs > 0 && s.draftMs > 0)
        #expect(s.perPositionAcceptance.count == 4)
        #expect(s.perPositionAcceptance.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Position 1 is proposed every full-size round; later ones are judged only when reached, but
        // are counted as proposed whenever the window had them.
        #expect(result.counters.proposedAt[0] >= result.counters.proposedAt[3])
    }

    @Test func baselinesReportTheSameVocabulary() async throws {
        let targetOnly = try await TargetOnlyGenerator(verifier: InProcessVerifier(session: Self.target.makeSession()))
            .run(Self.request)
        #expect(targetOnly.tokens == Self.target.greedy(prompt: Self.request.prompt, count: 30))
        #expect(targetOnly.stats.cloudPassesPerToken == 1 && targetOnly.stats.cloudPositionsPerToken == 1)
        #expect(
            targetOnly.stats.proposed == 0 && targetOnly.stats.acceptanceRate == 0
                && targetOnly.stats.tokensPerRound == 1)

        let draftOnly = try await DraftOnlyGenerator(drafter: ModelDrafter(session: Self.draft.makeSession())).run(
            Self.request)
        #expect(draftOnly.tokens == Self.draft.greedy(prompt: Self.request.prompt, count: 30))
        #expect(draftOnly.stats.rounds == 0 && draftOnly.stats.cloudPassesPerToken == 0)
        #expect(draftOnly.stats.generatedTokens == 30 && draftOnly.stats.draftMs > 0)
        // The JSON never holds NaN, even with empty denominators.
        _ = try JSONEncoder().encode(GenerationStats(GenerationCounters()))
    }

    @Test func aggregateIsExact() async throws {
        let generator = makeAssisted(target: Self.target, draft: Self.draft, policy: DoublingWindow())
        let a = try await generator.run(Self.request)
        let b = try await generator.run(SessionRequest(prompt: [9], maxTokens: 17))
        let total = GenerationStats.aggregate([a, b])
        #expect(total.generatedTokens == 47)
        #expect(total.rounds == a.stats.rounds + b.stats.rounds)
        #expect(total.proposed == a.stats.proposed + b.stats.proposed)
        #expect(
            abs(total.acceptanceRate - Double(a.stats.accepted + b.stats.accepted) / Double(total.proposed)) < 1e-12)
        #expect(abs(total.ttftMs - (a.stats.ttftMs + b.stats.ttftMs) / 2) < 1e-9)
        #expect(b.tokens == Self.target.greedy(prompt: [9], count: 17), "a second generation on the same pair")
    }
}
