import Testing

@testable import TandemDecoding

@Suite struct WindowPolicyTests {
    @Test func fixedWindowNeverMoves() {
        var policy = FixedWindow(5)
        #expect(policy.initialWindow == 5)
        #expect(policy.nextWindow(after: RoundStats(proposed: 5, accepted: 0)) == 5)
        #expect(FixedWindow(-3).initialWindow == 0)
    }

    @Test func doublingAndHalving() {
        var policy = DoublingWindow()
        #expect(policy.initialWindow == 1)
        var windows: [Int] = []
        for accepted in [true, true, true, true, false, false, false, false, true] {
            let k = policy.window
            windows.append(policy.nextWindow(after: RoundStats(proposed: k, accepted: accepted ? k : k - 1)))
        }
        #expect(windows == [2, 4, 8, 8, 4, 2, 1, 1, 2])
    }

    static let base = CostModelWindow.Estimates(
        acceptance: 0.8, roundTripSeconds: 0.001, draftSecondsPerToken: 0.001,
        verifyBaseSeconds: 0.010, verifySecondsPerDraft: 0.001)

    @Test func costModelFormulas() {
        #expect(abs(CostModelWindow.expectedTokens(window: 3, acceptance: 0.5) - 1.875) < 1e-12)
        #expect(CostModelWindow.expectedTokens(window: 3, acceptance: 1) == 4)
        #expect(CostModelWindow.expectedTokens(window: 0, acceptance: 0.9) == 1)
        #expect(abs(CostModelWindow.expectedSeconds(window: 4, estimates: Self.base) - 0.019) < 1e-12)
    }

    @Test func costModelPicksTheBestWindow() {
        let range = 1...8
        let local = CostModelWindow.bestWindow(for: Self.base, in: range)
        // Worked by hand: tokens/s peaks at k = 4 (3.36 tokens in 19 ms).
        #expect(local == 4)
        var far = Self.base
        far.roundTripSeconds = 0.2
        #expect(CostModelWindow.bestWindow(for: far, in: range) == 8, "a long round trip pays for big windows")
        var hopeless = Self.base
        hopeless.acceptance = 0.01
        #expect(CostModelWindow.bestWindow(for: hopeless, in: range) == 1, "α ≈ 0: draft as little as allowed")
        var slowDraft = Self.base
        slowDraft.draftSecondsPerToken = 0.02
        #expect(CostModelWindow.bestWindow(for: slowDraft, in: range) < local, "a slow draft shrinks the window")
        var perfect = Self.base
        perfect.acceptance = 1
        #expect(CostModelWindow.bestWindow(for: perfect, in: range) == 8)
        #expect(CostModelWindow.bestWindow(for: hopeless, in: 0...8) == 0, "with k = 0 allowed, skip drafting")
    }

    @Test func costModelLearnsFromRounds() {
        var policy = CostModelWindow(initial: Self.base, smoothing: 0.3)
        #expect(policy.initialWindow == 4)
        // Every draft rejected: acceptance falls and the window shrinks to 1.
        var k = policy.initialWindow
        for _ in 0..<20 {
            k = policy.nextWindow(
                after: RoundStats(
                    proposed: k, accepted: 0, draftSeconds: 0.001 * Double(k),
                    networkSeconds: 0.001, verifySeconds: 0.010 + 0.001 * Double(k)))
        }
        #expect(k == 1)
        #expect(policy.estimates.acceptance < 0.05)
        // Every draft accepted over a slow link: the window grows to the maximum.
        for _ in 0..<30 {
            k = policy.nextWindow(
                after: RoundStats(
                    proposed: k, accepted: k, draftSeconds: 0.001 * Double(k),
                    networkSeconds: 0.15, verifySeconds: 0.010 + 0.001 * Double(k)))
        }
        #expect(k == 8)
        #expect(policy.estimates.acceptance > 0.95)
        #expect(abs(policy.estimates.roundTripSeconds - 0.15) < 0.01)
    }

    @Test func costModelFitsVerifyTimeLinearInK() {
        var policy = CostModelWindow(initial: Self.base, smoothing: 0.2)
        // verify(k) = 30 ms + 5 ms·k, observed over a spread of windows.
        for i in 0..<60 {
            let k = 1 + i % 8
            policy.update(
                with: RoundStats(
                    proposed: k, accepted: k / 2, draftSeconds: 0.002 * Double(k),
                    verifySeconds: 0.030 + 0.005 * Double(k)))
        }
        #expect(abs(policy.estimates.verifyBaseSeconds - 0.030) < 0.001)
        #expect(abs(policy.estimates.verifySecondsPerDraft - 0.005) < 0.0002)
        #expect(abs(policy.estimates.draftSecondsPerToken - 0.002) < 1e-6)
    }
}
