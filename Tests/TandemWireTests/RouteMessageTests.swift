import Foundation
import TandemDecoding
import TandemWire
import TandemWireConversions
import Testing

@Suite("Routing messages on the wire")
struct RouteMessageTests {
    let codec = WireCodec()

    @Test("extend and routed round-trip through the codec")
    func roundTrip() throws {
        let messages: [WireMessage] = [
            .extend(ExtendMessage(round: 4, base: 17, tokens: [1, 2, 3], span: 3)),
            .extend(ExtendMessage(round: 1, base: 1, tokens: [])),
            .routed(
                RoutedMessage(
                    round: 4, tokens: [9, 8], finished: true, timings: WireTimings(queueMs: 0.5, computeMs: 2.25))),
        ]
        for message in messages {
            let text = try codec.encode(message)
            #expect(try codec.decode(text) == message, "\(text)")
        }
        let text = try codec.encode(messages[2])
        #expect(text.contains("\"type\":\"routed\""))
        #expect(text.contains("\"compute_ms\":2.25"))
    }

    @Test("an extend without span asks for one token; bad fields are bad frames")
    func spanDefault() throws {
        let decoded = try codec.decode("{\"type\":\"extend\",\"v\":2,\"round\":2,\"base\":5,\"tokens\":[7]}")
        #expect(decoded == .extend(ExtendMessage(round: 2, base: 5, tokens: [7], span: 1)))
        #expect(throws: WireError.self) { try codec.decode("{\"type\":\"extend\",\"v\":2,\"round\":2,\"tokens\":[7]}") }
        #expect(throws: WireError.self) {
            try codec.decode("{\"type\":\"routed\",\"v\":2,\"round\":2,\"tokens\":\"x\",\"finished\":false}")
        }
    }

    @Test("the core's route request and answer map to and from the messages")
    func mapping() {
        let request = RouteRequest(round: 3, base: 10, tokens: [4, 5], span: 2)
        #expect(ExtendMessage(request).routeRequest == request)
        let answer = RouteAnswer(
            round: 3, tokens: [6, 7], finished: false,
            timings: Verdict.Timings(queueSeconds: 0.001, computeSeconds: 0.004))
        let back = RoutedMessage(answer).answer(wireBytes: 99)
        #expect(back.tokens == answer.tokens)
        #expect(back.wireBytes == 99)
        #expect(abs(back.timings.computeSeconds - 0.004) < 1e-12)
    }
}
