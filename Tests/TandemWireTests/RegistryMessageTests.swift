import Foundation
import TandemWire
import Testing

@Suite("Registry messages")
struct RegistryMessageTests {
    static let registration = VerifierRegistration(
        address: "ws://127.0.0.1:8081", model: "target.gguf", tokenizerFingerprint: "abc",
        modelSha256: String(repeating: "0", count: 64), contextLength: 256, capacity: 8,
        load: VerifierLoad(activeSessions: 1, queuedRounds: 2, tokensPerS: 30))

    @Test("a listing entry is one flat JSON object: the registration's fields beside id, score and last_seen_ms")
    func entryIsFlat() throws {
        let entry = VerifierEntry(id: "v-1", registration: Self.registration, score: 0.375, lastSeenMs: 12)
        let data = try JSONEncoder().encode(entry)
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "id", "score", "last_seen_ms", "address", "model", "tokenizer_fingerprint",
                "model_sha256", "context_length", "capacity", "load",
            ])
        #expect(object["address"] as? String == "ws://127.0.0.1:8081")
        #expect((object["load"] as? [String: Any])?["queued_rounds"] as? Int == 2)
        let decoded = try JSONDecoder().decode(VerifierEntry.self, from: data)
        #expect(decoded == entry)
        #expect(decoded.address == "ws://127.0.0.1:8081")
        #expect(decoded.capacity == 8)
    }

    @Test("an entry without the registration's fields is refused")
    func entryNeedsRegistration() {
        let json = Data(#"{"id":"v-1","score":0,"last_seen_ms":0}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VerifierEntry.self, from: json) }
    }
}
