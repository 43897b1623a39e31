import Foundation
import Testing

@testable import TandemGGUF

struct InspectorTests {
    private func file() throws -> GGUFFile {
        var writer = try sampleWriter()
        writer.set("long.tokens", .array((0..<1000).map { .string("tok\($0)") }))
        writer.set("quote\"d", .string("line\nbreak\t\"quoted\" \u{01}"))
        writer.set("not.finite", .float32(.infinity))
        writer.set("nested", .array([.array([.uint8(1)]), .array([.uint8(2), .uint8(3)])]))
        return try GGUFFile(bytes: try writer.serialize())
    }

    @Test func textShowsHeaderMetadataTensorsAndSummary() throws {
        let text = GGUFInspector(file: try file()).text(listTensors: true)
        #expect(text.contains("GGUF version 3, alignment 32"))
        #expect(text.contains("  general.architecture: string \"llama\"\n"))
        #expect(text.contains("  llama.block_count: u32 2\n"))
        #expect(
            text.contains(
                "  long.tokens: array<string>[1000] [\"tok0\", \"tok1\", \"tok2\", \"tok3\", \"tok4\", \"tok5\", \"tok6\", \"tok7\", ...]\n"
            ))
        #expect(text.contains("  tokenizer.ggml.token_type: array<i32>[4] [1, 1, 3, 6]\n"))
        #expect(text.contains("  nested: array<array<u8>>[2] [[1], [2, 3]]\n"))
        #expect(text.contains("\"line\\nbreak\\t\\\"quoted\\\" \\u0001\""))
        #expect(text.contains("token_embd.weight"))
        #expect(text.contains("[32, 4]"))
        #expect(text.contains("total  4 tensors, 288 parameters, 288 bytes"))

        let withoutTensors = GGUFInspector(file: try file()).text(listTensors: false)
        #expect(!withoutTensors.contains("token_embd.weight"))
        #expect(withoutTensors.contains("summary:"))
    }

    @Test func typeSummariesCountTensorsElementsAndBytes() throws {
        let summaries = GGUFInspector(file: try file()).typeSummaries
        #expect(summaries.map(\.type) == [.q8_0, .q4_0, .f16, .f32])
        #expect(summaries.first == .init(type: .q8_0, tensorCount: 1, elementCount: 128, byteCount: 136))
        #expect(GGUFInspector(file: try file()).parameterCount == 8 + 128 + 128 + 24)
    }

    @Test func jsonIsValidAndAbbreviatesArrays() throws {
        let json = GGUFInspector(file: try file()).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 3)
        #expect(object["alignment"] as? Int == 32)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["general.architecture"] as? String == "llama")
        #expect(metadata["llama.block_count"] as? Int == 2)
        #expect(metadata["quote\"d"] as? String == "line\nbreak\t\"quoted\" \u{01}")
        #expect(metadata["not.finite"] is NSNull)
        let tokens = try #require(metadata["long.tokens"] as? [String: Any])
        #expect(tokens["count"] as? Int == 1000)
        #expect(tokens["type"] as? String == "array<string>")
        #expect((tokens["items"] as? [String])?.count == 8)
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 4)
        #expect(tensors[1]["name"] as? String == "token_embd.weight")
        #expect(tensors[1]["type"] as? String == "Q8_0")
        #expect(tensors[1]["dims"] as? [Int] == [32, 4])
        #expect(tensors[1]["bytes"] as? Int == 136)
        #expect(tensors[1]["offset"] as? Int == 32)
        // Metadata keeps file order in the text of the object.
        let architecture = try #require(json.range(of: "general.architecture"))
        let name = try #require(json.range(of: "general.name"))
        #expect(architecture.lowerBound < name.lowerBound)
    }

    @Test func humanReadableSizes() {
        #expect(GGUFInspector.humanBytes(512) == "512 bytes")
        #expect(GGUFInspector.humanBytes(755_168) == "737.5 KiB")
        #expect(GGUFInspector.humanBytes(5 * 1024 * 1024) == "5.0 MiB")
    }
}
