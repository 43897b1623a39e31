import Foundation
import TandemDecoding
import TandemWireConversions
import Testing

@testable import TandemWire

@Suite("Wire codec")
struct CodecTests {
    let codec = WireCodec()

    static let samples: [WireMessage] = [
        .open(
            OpenMessage(
                draftFingerprint: "abc\u{FEFF}", sampling: WireSampling(temperature: 0.7, topK: 40, seed: 42),
                prompt: [1, 2, 3], maxTokens: 64, stopTokens: [2])),
        .verify(VerifyMessage(round: 3, base: 17, drafts: [5, 6, 7])),
        .verify(
            VerifyMessage(
                round: 4, base: 20, drafts: [9],
                q: [WireDistribution(ids: [9, 3], probabilities: [0.75, 0.25])])),
        .verify(VerifyMessage(round: 1, base: 1, drafts: [])),
        .extend(ExtendMessage(round: 2, base: 5, tokens: [4, 4])),
        .close,
        .opened(
            OpenedMessage(
                session: "s-1", model: "llama-s", targetFingerprint: "fp",
                base: 3, limits: WireLimits(maxWindow: 16, contextLength: 2048, vocabularySize: 513))),
        .verdict(
            VerdictMessage(
                round: 3, accepted: 2, next: 11, finished: false,
                timings: WireTimings(queueMs: 0.5, computeMs: 12.25))),
        .provisional(ProvisionalMessage(round: 3, accepted: 1, next: 4)),
        .error(ErrorMessage(code: .resync, message: "base 3 ≠ 4 \u{FEFF}")),
    ]

    @Test("every message survives a round trip", arguments: samples)
    func roundTrip(_ message: WireMessage) throws {
        let text = try codec.encode(message)
        #expect(try codec.decode(text) == message)
    }

    @Test("frames carry type and v beside the fields")
    func shape() throws {
        let text = try codec.encode(
            .verdict(
                VerdictMessage(
                    round: 1, accepted: 0, next: 7, finished: true,
                    timings: WireTimings(queueMs: 1, computeMs: 2))))
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "verdict")
        #expect(object["v"] as? Int == WireProtocol.version)
        #expect(object["next"] as? Int == 7)
        let timings = try #require(object["timings"] as? [String: Any])
        #expect(timings["queue_ms"] as? Double == 1)
        #expect(timings["compute_ms"] as? Double == 2)
        #expect(try codec.encode(.close) == #"{"type":"close","v":2}"#)
    }

    @Test("the open frame uses the documented field names")
    func openFields() throws {
        let text = try codec.encode(Self.samples[0])
        for key in [
            "\"protocol\":\"tandem-assist\"", "\"draft_fingerprint\"", "\"sampling\"", "\"prompt\"",
            "\"max_tokens\"", "\"stop_tokens\"",
        ] {
            #expect(text.contains(key), "missing \(key) in \(text)")
        }
    }

    static let malformed: [(String, WireErrorCode)] = [
        ("", .badFrame),
        ("not json", .badFrame),
        ("[1,2,3]", .badFrame),
        ("\"verify\"", .badFrame),
        (#"{"v":2}"#, .badFrame),
        (#"{"type":"verify"}"#, .badFrame),
        (#"{"type":7,"v":2}"#, .badFrame),
        (#"{"type":"verify","v":"1"}"#, .badFrame),
        (#"{"type":"verify","v":1,"round":1,"base":1,"drafts":[]}"#, .protocolVersion),
        (#"{"type":"teleport","v":2}"#, .unknownType),
        (#"{"type":"verify","v":2,"round":1,"base":1}"#, .badFrame),
        (#"{"type":"verify","v":2,"round":1,"base":1,"drafts":["a"]}"#, .badFrame),
        (#"{"type":"verify","v":2,"round":1.5,"base":1,"drafts":[]}"#, .badFrame),
        (#"{"type":"verify","v":2,"round":1,"base":1,"drafts":[99999999999999999999999]}"#, .badFrame),
        (#"{"type":"open","v":2,"protocol":"tandem-assist","prompt":[1]}"#, .badFrame),
        (
            #"{"type":"verdict","v":2,"round":1,"accepted":0,"next":1,"finished":"yes","timings":{"queue_ms":0,"compute_ms":0}}"#,
            .badFrame
        ),
        (#"{"type":"error","v":2,"code":"x"}"#, .badFrame),
    ]

    @Test("malformed frames become typed errors", arguments: malformed)
    func malformedFrames(_ frame: String, _ code: WireErrorCode) {
        #expect(throws: WireError.self) { try codec.decode(frame) }
        do {
            _ = try codec.decode(frame)
        } catch {
            #expect(error.code == code, "\(frame) → \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("a missing field is named in the error")
    func namedField() {
        do {
            _ = try codec.decode(#"{"type":"verify","v":2,"round":1,"drafts":[]}"#)
            Issue.record("decoded a verify without base")
        } catch {
            #expect(error.message.contains("base"))
        }
    }

    @Test("unknown error codes from a newer peer still decode")
    func unknownCode() throws {
        let message = try codec.decode(#"{"type":"error","v":2,"code":"shiny_new","message":"m"}"#)
        #expect(message == .error(ErrorMessage(code: WireErrorCode("shiny_new"), message: "m")))
    }

    @Test("decoding-core errors map to wire codes")
    func errorMapping() {
        #expect(WireError(GenerationError.baseMismatch(expected: 3, got: 4)).code == .resync)
        #expect(WireError(GenerationError.tokenOutOfRange(token: 600, vocabularySize: 513)).code == .tokenOutOfRange)
        #expect(WireError(GenerationError.promptTooLong(count: 9, contextLength: 8)).code == .contextFull)
        #expect(WireError(GenerationError.notOpen).code == .notOpen)
        #expect(WireError(GenerationError.roundOutOfOrder(last: 3, got: 3)).code == .roundOrder)
        #expect(WireError(GenerationError.emptyPrompt).code == .invalidRequest)
    }

    @Test("conversions to and from the decoding core's types keep every field")
    func conversions() {
        let verdict = Verdict(
            round: 2, accepted: 1, next: 5, finished: true,
            timings: Verdict.Timings(queueSeconds: 0.25, computeSeconds: 0.5))
        let message = VerdictMessage(verdict)
        #expect(message.timings == WireTimings(queueMs: 250, computeMs: 500))
        #expect(
            message.verdict(wireBytes: 10)
                == Verdict(
                    round: 2, accepted: 1, next: 5, finished: true,
                    timings: verdict.timings, wireBytes: 10))
        let request = SessionRequest(prompt: [1, 4], sampling: .greedy, maxTokens: 9, stopTokens: [2])
        #expect(OpenMessage(request, draftFingerprint: "f").request == request)
        let round = DraftRound(round: 1, base: 2, drafts: [3])
        #expect(VerifyMessage(round).draftRound == round)
    }
}

extension WireMessage: CustomTestStringConvertible {
    public var testDescription: String { "\(kind)" }
}
