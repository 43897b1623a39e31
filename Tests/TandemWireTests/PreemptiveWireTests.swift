import Foundation
import TandemDecoding
import TandemWireConversions
import Testing

@testable import TandemWire

/// The wire's part of early-exit preemptive drafting: the opt-in on `open`, the `provisional` frame and
/// the verdict's `provisional_ms`, all additive so frames without them still decode.
@Suite("Wire: preemptive drafting")
struct PreemptiveWireTests {
    let codec = WireCodec()

    @Test func theOptInAndTheTimingRoundTrip() throws {
        let open = WireMessage.open(
            OpenMessage(
                draftFingerprint: "fp", sampling: .greedy, prompt: [1, 2], maxTokens: 8,
                stopTokens: [], preemptive: true))
        let openText = try codec.encode(open)
        #expect(openText.contains("\"preemptive\":true"))
        #expect(try codec.decode(openText) == open)

        let verdict = WireMessage.verdict(
            VerdictMessage(
                round: 2, accepted: 1, next: 9, finished: false,
                timings: WireTimings(queueMs: 0.25, computeMs: 8, provisionalMs: 3.5)))
        let verdictText = try codec.encode(verdict)
        #expect(verdictText.contains("\"provisional_ms\":3.5"))
        #expect(try codec.decode(verdictText) == verdict)

        let provisional = WireMessage.provisional(
            ProvisionalMessage(round: 2, Verdict.Provisional(accepted: 1, next: 9)))
        let provisionalText = try codec.encode(provisional)
        #expect(provisionalText == #"{"type":"provisional","v":2,"accepted":1,"next":9,"round":2}"#)
        #expect(try codec.decode(provisionalText) == provisional)
    }

    @Test func framesWithoutTheNewFieldsStillDecode() throws {
        // An open written without the field (as an older client writes it) decodes as "not preemptive".
        let oldOpen = try codec.encode(
            .open(
                OpenMessage(
                    draftFingerprint: "fp", sampling: .greedy, prompt: [1], maxTokens: 4,
                    stopTokens: [])))
        #expect(!oldOpen.contains("preemptive"), "an absent opt-in stays absent")
        let open = try codec.decode(oldOpen)
        guard case .open(let m) = open else {
            Issue.record("not an open: \(open)")
            return
        }
        #expect(m.preemptive == nil)

        let verdict = try codec.decode(
            #"{"type":"verdict","v":2,"round":1,"accepted":0,"next":3,"finished":false,"timings":{"queue_ms":1,"compute_ms":2}}"#
        )
        guard case .verdict(let v) = verdict else {
            Issue.record("not a verdict: \(verdict)")
            return
        }
        #expect(v.timings.provisionalMs == nil)
        #expect(v.verdict().timings.provisionalSeconds == nil)
    }

    @Test func theDecodingCoresVerdictKeepsItsProvisionalTime() throws {
        let core = Verdict(
            round: 4, accepted: 2, next: 5, finished: true,
            timings: Verdict.Timings(queueSeconds: 0.001, computeSeconds: 0.01, provisionalSeconds: 0.004))
        let message = VerdictMessage(core)
        #expect(message.timings.provisionalMs == 4)
        let back = message.verdict()
        #expect(back.timings.provisionalSeconds == 0.004)
        #expect(back.round == 4 && back.accepted == 2 && back.next == 5 && back.finished)
    }
}
