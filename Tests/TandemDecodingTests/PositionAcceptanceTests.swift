import Testing

@testable import TandemDecoding

/// The cost model's per-position acceptance: drafts that agreed so far tend to keep agreeing, which a
/// single α misses.
@Suite struct PositionAcceptanceTests {
    static let costs = CostModelWindow.Estimates(
        acceptance: 0.5, roundTripSeconds: 0.05, draftSecondsPerToken: 0.005,
        verifyBaseSeconds: 0.03, verifySecondsPerDraft: 0.0005)

    @Test func expectedTokensFromPositions() {
        var e = Self.costs
        #expect(
            CostModelWindow.expectedTokens(window: 3, estimates: e)
                == CostModelWindow.expectedTokens(window: 3, acceptance: 0.5),
            "no positions: the single-α formula")
        e.positionAcceptance = [0.5, 0.8]
        // 1 + 0.5 + 0.5·0.8 + 0.5·0.8·0.8 (position 3 takes the last estimate).
        #expect(abs(CostModelWindow.expectedTokens(window: 3, estimates: e) - (1 + 0.5 + 0.4 + 0.32)) < 1e-12)
        #expect(CostModelWindow.expectedTokens(window: 0, estimates: e) == 1)
    }

    @Test func learnsRisingAcceptanceAndWidensTheWindow() {
        // Position 1 is kept half the time; once it is, every later draft is kept.
        var policy = CostModelWindow(initial: Self.costs, minWindow: 1, maxWindow: 8)
        var k = 4
        for round in 0..<200 {
            let accepted = round % 2 == 0 ? 0 : k
            k = policy.nextWindow(
                after: RoundStats(
                    proposed: k, accepted: accepted, draftSeconds: 0.005 * Double(k),
                    networkSeconds: 0.05, verifySeconds: 0.03 + 0.0005 * Double(k)))
        }
        let positions = policy.estimates.positionAcceptance
        #expect(positions.count >= 2)
        // Position 1 is near one half (smoothed toward the overall α); later positions near 1.
        #expect(positions[0] > 0.4 && positions[0] < 0.75, "\(positions)")
        #expect(positions.dropFirst().allSatisfy { $0 > 0.85 }, "\(positions)")
        #expect(k == 8)
    }

    @Test func risingAcceptancePaysForALongerWindowThanASingleAlpha() {
        // The same first-position acceptance; later drafts kept 90% of the time once reached.
        var rising = Self.costs
        rising.acceptance = 0.6
        rising.roundTripSeconds = 0.02
        rising.positionAcceptance = [0.6, 0.9, 0.9, 0.9]
        var single = rising
        single.positionAcceptance = []
        let withPositions = CostModelWindow.bestWindow(for: rising, in: 1...8)
        let withSingle = CostModelWindow.bestWindow(for: single, in: 1...8)
        #expect(withPositions > withSingle, "positions: \(withPositions), single α: \(withSingle)")
    }

    @Test func oneWindowSizeKeepsThePriorsShapeInsteadOfInventingASlope() {
        // Passes of 0.3 ms on this machine against a prior of 40 ms + 4 ms per draft, all at k = 1.
        var policy = CostModelWindow(minWindow: 1, maxWindow: 8)
        for _ in 0..<20 {
            policy.update(
                with: RoundStats(
                    proposed: 1, accepted: 1, draftSeconds: 0.0002, networkSeconds: 0.010,
                    verifySeconds: 0.0003))
        }
        let e = policy.estimates
        #expect(abs(e.verifyBaseSeconds - 0.0003 / 1.1) < 1e-9, "\(e)")
        #expect(abs(e.verifySecondsPerDraft - 0.1 * e.verifyBaseSeconds) < 1e-9, "\(e)")
        // A 10 ms round trip against sub-millisecond passes and drafts: go wide.
        #expect(CostModelWindow.bestWindow(for: e, in: 1...8) == 8)
    }
}
