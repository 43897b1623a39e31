import Foundation
import TandemDecoding
import TandemWireConversions
import Testing

@testable import TandemWire

@Suite("Wire: generate and CPU timings")
struct GenerateMessageTests {
    let codec = WireCodec()

    @Test("generate survives a round trip with its fields beside type and v")
    func generateRoundTrip() throws {
        let message = WireMessage.generate(GenerateMessage(round: 5, base: 12))
        let text = try codec.encode(message)
        #expect(try codec.decode(text) == message)
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "generate")
        #expect(object["round"] as? Int == 5)
        #expect(object["base"] as? Int == 12)
        #expect(message.kind == .generate)
    }

    @Test("a generate frame without base is a bad frame")
    func generateMissingField() {
        #expect(throws: WireError.self) { try codec.decode(#"{"type":"generate","v":2,"round":1}"#) }
        do {
            _ = try codec.decode(#"{"type":"generate","v":2,"round":1}"#)
        } catch {
            #expect(error.code == .badFrame)
            #expect(error.message.contains("base"))
        }
    }

    @Test("verdict timings carry cpu_ms, and frames without it still decode (as 0)")
    func cpuTimings() throws {
        let verdict = Verdict(
            round: 2, accepted: 1, next: 9, finished: false,
            timings: Verdict.Timings(queueSeconds: 0.001, computeSeconds: 0.004, cpuSeconds: 0.003))
        let text = try codec.encode(.verdict(VerdictMessage(verdict)))
        #expect(text.contains("\"cpu_ms\":3"))
        guard case .verdict(let decoded) = try codec.decode(text) else {
            Issue.record("not a verdict: \(text)")
            return
        }
        #expect(abs(decoded.verdict().timings.cpuSeconds - 0.003) < 1e-12)

        let old =
            #"{"type":"verdict","v":2,"round":1,"accepted":0,"next":4,"finished":true,"timings":{"queue_ms":1,"compute_ms":2}}"#
        guard case .verdict(let legacy) = try codec.decode(old) else {
            Issue.record("an old verdict frame no longer decodes")
            return
        }
        #expect(legacy.timings == WireTimings(queueMs: 1, computeMs: 2, cpuMs: 0))
    }

    @Test("opened carries the prefill's timings when given, and omits them when not")
    func openedTimings() throws {
        let limits = WireLimits(maxWindow: 16, contextLength: 256, vocabularySize: 100)
        let with = OpenedMessage(
            session: "s", model: "m", targetFingerprint: "f", base: 3, limits: limits,
            timings: WireTimings(queueMs: 0, computeMs: 5, cpuMs: 4))
        let text = try codec.encode(.opened(with))
        #expect(try codec.decode(text) == .opened(with))
        #expect(abs(with.sessionInfo().serverCPUSeconds - 0.004) < 1e-12)

        let without = OpenedMessage(session: "s", model: "m", targetFingerprint: "f", base: 3, limits: limits)
        let plain = try codec.encode(.opened(without))
        #expect(!plain.contains("timings"))
        #expect(try codec.decode(plain) == .opened(without))
        #expect(without.sessionInfo().serverCPUSeconds == 0)
    }
}
