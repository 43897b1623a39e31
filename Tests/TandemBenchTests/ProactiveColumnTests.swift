import TandemBench
import TandemDecoding
import Testing

/// `bench assist --proactive`: a proactive twin of every assisted column, and its modelled time.
@Suite struct ProactiveColumnTests {
    @Test func proactiveAddsATwinOfEveryAssistedColumn() {
        var grid = AssistGrid(windows: [1, 4], prompts: ["a"], preemptive: true)
        #expect(!grid.policies.contains(where: { $0.isProactive }))
        grid.proactive = true
        let assisted: [AssistPolicy] = [.fixed(1), .fixed(4), .doubling, .adaptive, .adaptivePreemptive]
        #expect(grid.policies == [.cloudOnly, .localOnly] + assisted + assisted.map { .proactive($0) })
        #expect(AssistPolicy.proactive(.fixed(1)).description == "1-proactive")
        #expect(AssistPolicy.proactive(.adaptive).description == "adaptive-proactive")
        #expect(AssistPolicy.proactive(.adaptivePreemptive).isPreemptive)
        #expect(!AssistPolicy.proactive(.adaptive).isPreemptive)
        #expect(AssistPolicy.proactive(.doubling).isAssisted && AssistPolicy.proactive(.doubling).base == .doubling)
        #expect(AssistPolicy.proactive(.fixed(4)).windowPolicy(profile: nil) is FixedWindow)
    }

    @Test func theModelledTimeSubtractsWhatEachHitHides() throws {
        var c = GenerationCounters()
        c.generations = 1
        c.generatedTokens = 40
        c.rounds = 10
        c.proposed = 30
        c.cloudPositions = 40
        let profile = try #require(CloudProfile.all.first)
        let plain = AssistCostModel.modelledSeconds(
            policy: .fixed(3), counters: c, promptTokens: 3, rttSeconds: 0.05, profile: profile)
        var hits = c
        hits.proactiveHits = 6
        let proactive = AssistCostModel.modelledSeconds(
            policy: .proactive(.fixed(3)), counters: hits, promptTokens: 3,
            rttSeconds: 0.05, profile: profile)
        #expect(proactive < plain)
        let noHits = AssistCostModel.modelledSeconds(
            policy: .proactive(.fixed(3)), counters: c, promptTokens: 3,
            rttSeconds: 0.05, profile: profile)
        #expect(noHits == plain)
        let row = AssistRow(policy: .proactive(.fixed(3)), rttMs: 50, counters: hits, promptTokens: 3, profile: nil)
        #expect(row.policy == "3-proactive")
    }
}
