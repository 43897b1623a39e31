import Foundation
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// The confidence stopping rule: the drafter ends a window once it is unsure the window so far will be
/// accepted, the policy prices the threshold and learns the calibration, and greedy output stays the
/// target's own.
@Suite struct ConfidenceStoppingTests {
    /// A 4-token model whose top token after a context of length n has probability `confidence[n]`
    /// (softmax of [L, 0, 0, 0] rotated so the top is token n % 4, L = ln(3p / (1 − p))).
    static func scheduled(_ confidence: [Int: Double]) -> ToyModel {
        ToyModel(vocabularySize: 4, contextLength: 64) { context in
            let p = confidence[context.count] ?? 0.9
            let top = Float(log(3 * p / (1 - p)))
            var row: [Float] = [0, 0, 0, 0]
            row[context.count % 4] = top
            return row
        }
    }

    @Test func drafterStopsAfterTheFirstUnsureDraft() async throws {
        let prompt = [1, 2, 3]
        // Drafts after contexts of length 3, 4, 5, …: the third (context 5) is the unsure one.
        let model = Self.scheduled([3: 0.9, 4: 0.8, 5: 0.3, 6: 0.95, 7: 0.95])
        let recorder = SessionRecorder()
        let drafter = ModelDrafter(session: model.makeSession(recorder: recorder))
        try await drafter.start(SessionRequest(prompt: prompt, maxTokens: 30))
        // Calibration where acceptance is 1 above probability 0.5 and 0.1 below: one unsure draft ends it.
        let rule = DraftStopRule(threshold: 0.5, calibration: [0.1, 1])
        let cut = try await drafter.propose(5, stopRule: rule)
        #expect(cut.tokens == [3, 0, 1], "the unsure draft is proposed (it is already paid for), nothing after it")
        #expect(recorder.snapshot.counts.last == 3 + 2, "no draft step was spent past the unsure draft")
        let reported = try #require(cut.probabilities)
        #expect(reported.count == 3)
        for (p, expected) in zip(reported, [0.9, 0.8, 0.3]) { #expect(abs(p - expected) < 1e-5) }

        #expect(try await drafter.propose(5, stopRule: nil) == DraftProposal(tokens: [3, 0, 1, 2, 3]))
        #expect(try await drafter.propose(2, stopRule: rule).tokens == [3, 0], "the window still bounds the round")
        // Without a calibration the probabilities multiply: 0.9 · 0.8 = 0.72 ≥ 0.7, then 0.216 < 0.7;
        // at 0.75 the second draft already ends it.
        #expect(try await drafter.propose(5, stopRule: DraftStopRule(threshold: 0.7)).tokens == [3, 0, 1])
        #expect(try await drafter.propose(5, stopRule: DraftStopRule(threshold: 0.75)).tokens == [3, 0])
        #expect(try await drafter.propose(5, stopRule: DraftStopRule(threshold: 0)).tokens == [3, 0, 1, 2, 3])
    }

    @Test func speculativeWindowsStopUnderTheRuleToo() async throws {
        // Preemptive drafting's windows (drafted after a provisional verdict) follow the same rule, so a
        // pre-drafted window is as long as the one the round would have drafted itself.
        let model = Self.scheduled([4: 0.9, 5: 0.3, 6: 0.95])
        let drafter = ModelDrafter(session: model.makeSession())
        try await drafter.start(SessionRequest(prompt: [1, 2, 3], maxTokens: 30))
        let rule = DraftStopRule(threshold: 0.5, calibration: [0.1, 1])
        let speculative = try #require(try await drafter.speculate(after: [3], count: 6, stopRule: rule))
        #expect(speculative.tokens == [0, 1], "after the agreed [1, 2, 3] + [3]: a sure draft, then the unsure one")
        try await drafter.advance([3])
        #expect(try await drafter.propose(6, stopRule: rule) == speculative, "a hit keeps the speculative window")
    }

    @Test func ruleLooksUpItsCalibration() {
        let rule = DraftStopRule(threshold: 0.5, calibration: [0.2, 0.5, 0.9, 1])
        #expect(rule.acceptance(ofProbability: 0.1) == 0.2)
        #expect(rule.acceptance(ofProbability: 0.3) == 0.5)
        #expect(rule.acceptance(ofProbability: 1) == 1)
        #expect(rule.acceptance(ofProbability: -3) == 0.2 && rule.acceptance(ofProbability: .nan) == 0.2)
        #expect(DraftStopRule(threshold: 0.5).acceptance(ofProbability: 0.37) == 0.37)
    }

    @Test func sampledDraftsStopOnTheirOwnProbability() async throws {
        // At temperature 1 the draft's distribution is the softmax itself: a drawn token is unsure when
        // it is not the top one (0.1 each against 0.7).
        let model = Self.scheduled([:].merging((3...40).map { ($0, 0.7) }) { a, _ in a })
        let drafter = ModelDrafter(session: model.makeSession(), proposalTopK: 4)
        try await drafter.start(
            SessionRequest(prompt: [1, 2, 3], sampling: .init(temperature: 1, seed: 3), maxTokens: 30))
        let rule = DraftStopRule(threshold: 0.5, calibration: [0, 0, 1, 1])
        var cut = 0
        for _ in 0..<20 {
            let proposal = try await drafter.propose(6, stopRule: rule)
            let q = try #require(proposal.q)
            for (i, token) in proposal.tokens.enumerated() where i < proposal.tokens.count - 1 {
                #expect(q[i].probability(of: token) >= 0.5, "every draft but the last was a sure one")
            }
            if proposal.tokens.count < 6, let last = proposal.tokens.last, let lastQ = q.last {
                #expect(lastQ.probability(of: last) < 0.5)
                cut += 1
            }
        }
        #expect(cut > 0, "a third of the draws are unsure ones: some window must have been cut")
    }

    @Test func thresholdFallsAsTheRoundTripGrowsAndRisesWithTheDraftCost() {
        var e = CostModelWindow.Estimates(
            acceptance: 0.6, roundTripSeconds: 0, draftSecondsPerToken: 0.005,
            verifyBaseSeconds: 0.033, verifySecondsPerDraft: 0.0004)
        let range = 0.0...1.0
        let lan = ConfidenceStoppingWindow.threshold(for: e, window: 4, in: range)
        e.roundTripSeconds = 0.1
        let wan = ConfidenceStoppingWindow.threshold(for: e, window: 4, in: range)
        #expect(wan < lan && wan > 0)
        // θ = (t_draft + b) / (α · seconds per token).
        let tokens = CostModelWindow.expectedTokens(window: 4, estimates: e)
        let seconds = CostModelWindow.expectedSeconds(window: 4, estimates: e)
        #expect(abs(wan - 0.0054 / (0.6 * seconds / tokens)) < 1e-12)
        e.draftSecondsPerToken = 0.05
        #expect(ConfidenceStoppingWindow.threshold(for: e, window: 4, in: range) > wan)
        #expect(ConfidenceStoppingWindow.threshold(for: e, window: 4, in: 0.2...0.3) <= 0.3)
        e.draftSecondsPerToken = 0
        e.verifySecondsPerDraft = 0
        #expect(ConfidenceStoppingWindow.threshold(for: e, window: 4, in: 0.05...0.9) == 0.05)
    }

    @Test func policyLearnsItsCalibrationFromTheRounds() {
        var policy = ConfidenceStoppingWindow()
        #expect(policy.initialWindow == 16 && policy.costModel.maxWindow == 16)
        let before = policy.calibration
        #expect(before.count == ConfidenceStoppingWindow.calibrationBins && Set(before).count == 1, "the prior: flat")
        // Confident drafts (0.9) are always kept; unsure ones (0.1) always rejected.
        for _ in 0..<50 {
            let window = policy.nextWindow(
                after: RoundStats(
                    proposed: 3, accepted: 2, draftSeconds: 0.003, networkSeconds: 0.05,
                    verifySeconds: 0.01, draftProbabilities: [0.9, 0.9, 0.1]))
            #expect(window == 16)
        }
        let rule = policy.stopRule
        #expect(rule != nil)
        let high = rule?.acceptance(ofProbability: 0.9) ?? 0
        let low = rule?.acceptance(ofProbability: 0.1) ?? 1
        #expect(high > 0.9 && low < 0.1, "learnt: \(high) at 0.9, \(low) at 0.1")
        #expect(rule.map { policy.thresholdRange.contains($0.threshold) } == true)
        // Plain policies set no rule.
        #expect(FixedWindow(4).stopRule == nil && CostModelWindow().stopRule == nil)
    }

    /// A policy with a fixed window and a fixed rule, to exercise the generator's plumbing.
    struct FixedRule: WindowPolicy {
        let window: Int
        let threshold: Double?
        var initialWindow: Int { window }
        var stopRule: DraftStopRule? { threshold.map { DraftStopRule(threshold: $0) } }
        mutating func nextWindow(after round: RoundStats) -> Int { window }
    }

    @Test(arguments: [0.0, 0.1, 0.4, 0.8])
    func greedyOutputIsTheTargetsWithTheRule(threshold: Double) async throws {
        // The draft is the target sharpened or flattened by context, so its confidence varies.
        let target = ToyModel.hashed(vocabularySize: 16, seed: 7, scale: 6)
        let draft = ToyModel(vocabularySize: 16, contextLength: 512) { context in
            let row = ToyModel.perturbed(target, disagreement: 0.25).logits(context)
            let sharpness: Float = hashUnit(11, context.count) < 0.5 ? 3 : 0.5
            return row.map { $0 * sharpness }
        }
        let prompt = [3, 9, 1]
        let reference = target.greedy(prompt: prompt, count: 60)
        for policy in [FixedRule(window: 8, threshold: threshold) as any WindowPolicy, ConfidenceStoppingWindow()] {
            let result = try await makeAssisted(target: target, draft: draft, policy: policy)
                .run(SessionRequest(prompt: prompt, maxTokens: 60))
            #expect(result.tokens == reference, "τ \(threshold), \(policy)")
            #expect(result.stats.accepted + result.stats.rounds == 60)
        }
        let ruled = try await makeAssisted(
            target: target, draft: draft, policy: FixedRule(window: 8, threshold: threshold)
        )
        .run(SessionRequest(prompt: prompt, maxTokens: 60))
        let meanWindow = Double(ruled.stats.proposed) / Double(ruled.stats.rounds)
        if threshold == 0 {
            #expect(meanWindow > 6, "no rule: full windows but for the last rounds")
        } else if threshold >= 0.4 {
            #expect(meanWindow < 6, "a strict rule cuts windows short")
            #expect(ruled.stats.acceptanceRate > 0)
        }
    }
}
