import Foundation
import TandemWire
import Testing

/// Pins docs/PROTOCOL.md: every JSON example in it decodes as the message it names, and encodes back
/// to the same JSON, so the document cannot drift from the code.
@Suite("docs/PROTOCOL.md")
struct ProtocolDocumentTests {
    /// One fenced example: its tag (`frame`, `registration`, …) and its JSON text.
    struct Example: CustomStringConvertible {
        var tag: String
        var json: String
        var description: String { "\(tag): \(json.prefix(60))" }
    }

    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/PROTOCOL.md")

    static func examples() throws -> [Example] {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        var examples: [Example] = []
        var current: (tag: String, lines: [String])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let open = current {
                if line == "```" {
                    examples.append(Example(tag: open.tag, json: open.lines.joined(separator: "\n")))
                    current = nil
                } else {
                    current?.lines.append(String(line))
                }
            } else if line.hasPrefix("```json") {
                current = (String(line.dropFirst("```json".count)).trimmingCharacters(in: .whitespaces), [])
            }
        }
        return examples
    }

    /// The same JSON value, whatever the key order or number spelling.
    static func sameJSON(_ a: Data, _ b: Data) throws -> Bool {
        let x = try JSONSerialization.jsonObject(with: a) as? NSDictionary
        let y = try JSONSerialization.jsonObject(with: b) as? NSDictionary
        return x != nil && x == y
    }

    static func roundTrip<T: Codable>(_ type: T.Type, _ json: String) throws -> Data {
        let value = try JSONDecoder().decode(T.self, from: Data(json.utf8))
        return try JSONEncoder().encode(value)
    }

    @Test("the document has an example of every assist message and every registry body")
    func everyMessageHasAnExample() throws {
        let examples = try Self.examples()
        let codec = WireCodec()
        let kinds = Set(try examples.filter { $0.tag == "frame" }.map { try codec.decode($0.json).kind })
        #expect(kinds == Set(WireMessage.Kind.allCases))
        #expect(Set(examples.map(\.tag)) == ["frame", "registration", "heartbeat", "answer", "listing", "error"])
    }

    @Test("every example decodes and encodes back to the same JSON")
    func examplesRoundTrip() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 15)
        let codec = WireCodec()
        for example in examples {
            let original = Data(example.json.utf8)
            let encoded: Data
            switch example.tag {
            case "frame": encoded = try codec.encodeData(try codec.decode(original))
            case "registration": encoded = try Self.roundTrip(VerifierRegistration.self, example.json)
            case "heartbeat": encoded = try Self.roundTrip(VerifierHeartbeat.self, example.json)
            case "answer": encoded = try Self.roundTrip(RegistrationAnswer.self, example.json)
            case "listing": encoded = try Self.roundTrip(VerifierListing.self, example.json)
            case "error": encoded = try Self.roundTrip(RegistryErrorBody.self, example.json)
            default:
                Issue.record("unknown example tag \(example.tag)")
                continue
            }
            #expect(
                try Self.sameJSON(original, encoded),
                "\(example) encodes back as \(String(decoding: encoded, as: UTF8.self))")
        }
    }

    @Test("the registry examples pass the coordinator's validation")
    func registryExamplesAreValid() throws {
        for example in try Self.examples() {
            let data = Data(example.json.utf8)
            switch example.tag {
            case "registration": try JSONDecoder().decode(VerifierRegistration.self, from: data).validate()
            case "heartbeat": try JSONDecoder().decode(VerifierHeartbeat.self, from: data).validate()
            default: continue
            }
        }
    }

    @Test("the document states the version the code speaks")
    func versionMatches() throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        #expect(text.contains("# The Tandem protocol (version \(WireProtocol.version))"))
        #expect(text.contains("\"v\": \(WireProtocol.version)"))
    }

    @Test("every error code the code defines is documented")
    func errorCodesDocumented() throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let codes: [WireErrorCode] = [
            .badFrame, .unknownType, .protocolVersion, .unsupported, .fingerprintMismatch,
            .tokenOutOfRange, .windowTooLarge, .resync, .contextFull, .notOpen, .roundOrder,
            .sessionFinished, .invalidRequest, .sessionLimit, .kvBudget, .idleTimeout, .internal,
        ]
        for code in codes {
            #expect(text.contains("| `\(code.rawValue)` |"), "\(code) is not in the error table")
        }
    }
}
