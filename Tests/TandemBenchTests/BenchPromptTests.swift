import Foundation
import TandemBench
import TandemTokenizer
import Testing

/// Prompt files (plain text, JSON Lines with prompts or conversations) and the HumanEval loader, on
/// small fixtures written by the tests (never the real data).
@Suite struct BenchPromptTests {
    static func temporary(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func plainTextIsOnePromptPerLine() throws {
        let path = try Self.temporary("p.txt", "first prompt\n\n  second  \n")
        #expect(try BenchPromptFile.load(path: path) == [.text("first prompt"), .text("second")])
    }

    @Test func jsonLinesCarryMultiLinePromptsAndConversations() throws {
        let text = """
            {"prompt": "def f(x):\\n    \\"\\"\\"Twice x.\\"\\"\\"\\n"}

            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi\\nthere"}]}
            """
        let path = try Self.temporary("p.jsonl", text)
        let prompts = try BenchPromptFile.load(path: path)
        #expect(prompts.count == 2)
        #expect(prompts[0] == .text("def f(x):\n    \"\"\"Twice x.\"\"\"\n"))
        #expect(
            prompts[1]
                == .chat([
                    ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi\nthere"),
                ]))
        // A file that starts with { is JSON Lines whatever its name.
        let named = try Self.temporary("p.txt", "{\"prompt\": \"a\\nb\"}\n")
        #expect(try BenchPromptFile.load(path: named) == [.text("a\nb")])
    }

    @Test func conversationsRenderWithTheChatTemplate() throws {
        let chat = BenchPrompt.chat([ChatMessage(role: "user", content: "Hi")])
        let template = ChatTemplate(format: .chatml, defaultSystemPrompt: "You are Qwen.")
        #expect(
            try chat.rendered(template: template)
                == "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
        #expect(throws: BenchPromptError.noChatTemplate) { try chat.rendered(template: nil) }
        #expect(try BenchPrompt.text("as is").rendered(template: nil) == "as is")
        // Plain prompts never consult the tokenizer.
        struct Unused: Error {}
        #expect(try BenchPrompt.texts([.text("a"), .text("b")]) { throw Unused() } == ["a", "b"])
        #expect(throws: BenchPromptError.noChatTemplate) { try BenchPrompt.texts([chat]) { throw Unused() } }
    }

    @Test func malformedLinesAreNamed() throws {
        for (text, fragment) in [
            ("{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n", "line 2"),
            ("{\"prompt\": \"a\", \"messages\": []}\n", "both"),
            ("{\"prompt\": \"\"}\n", "empty"),
            ("{not json\n", "line 1"),
        ] {
            let path = try Self.temporary("bad.jsonl", text)
            do {
                _ = try BenchPromptFile.load(path: path)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
        let empty = try Self.temporary("empty.txt", "\n \n")
        #expect(throws: BenchPromptError.empty(path: empty)) { try BenchPromptFile.load(path: empty) }
        #expect(throws: BenchPromptError.self) { try BenchPromptFile.load(path: "/nonexistent/prompts.txt") }
    }

    static let humanEvalLines =
        (0..<6).map {
            "{\"task_id\": \"HumanEval/\($0)\", \"prompt\": \"def f\($0)():\\n    pass\\n\", \"canonical_solution\": \"\", \"test\": \"\", \"entry_point\": \"f\($0)\"}"
        }.joined(separator: "\n") + "\n"

    @Test func humanEvalLoadsFromJSONLinesAndGzip() throws {
        let plain = try Self.temporary("HumanEval.jsonl", Self.humanEvalLines)
        let problems = try HumanEval.load(path: plain)
        #expect(problems.count == 6)
        #expect(problems[3] == HumanEvalProblem(number: 3, taskID: "HumanEval/3", prompt: "def f3():\n    pass\n"))
        // A tiny .gz made here with gzip, read back through gzip -dc.
        let gz = plain + ".gz"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-k", plain]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try HumanEval.load(path: gz) == problems)
    }

    @Test func problemRangesSelectInOrderAndRefuseMissingOnes() throws {
        let problems = try HumanEval.parse(Self.humanEvalLines, name: "fixture")
        #expect(try HumanEval.parseRanges("80-163") == [80...163])
        #expect(try HumanEval.parseRanges("0-1, 4") == [0...1, 4...4])
        let picked = try HumanEval.select(problems, ranges: HumanEval.parseRanges("4-5,0"))
        #expect(picked.map { $0.number } == [4, 5, 0])
        #expect(throws: BenchPromptError.self) { try HumanEval.select(problems, ranges: [5...6]) }
        for bad in ["", "3-1", "a", "1-2-3", "-4", "1,"] {
            #expect(throws: BenchPromptError.badRange(bad)) { try HumanEval.parseRanges(bad) }
        }
        #expect(HumanEval.tuning == 0...79 && HumanEval.reporting == 80...163)
        #expect(throws: BenchPromptError.self) {
            try HumanEval.parse("{\"task_id\": \"x\", \"prompt\": \"p\"}", name: "bad")
        }
    }
}
