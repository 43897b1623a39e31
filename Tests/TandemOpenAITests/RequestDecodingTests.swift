import Foundation
import TandemOpenAI
import Testing

/// The leaf's request decoding and validation, without a server.
@Suite("OpenAI request decoding and validation")
struct RequestDecodingTests {
    static func chat(_ json: String) throws(OpenAIError) -> ChatCompletionRequest {
        try OpenAIRequestDecoder.decode(ChatCompletionRequest.self, from: Data(json.utf8))
    }

    @Test("content parts, max_completion_tokens over max_tokens, stop as one string, defaults")
    func fields() throws {
        let r = try Self.chat(
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"assistant","content":null}],"max_tokens":5,"max_completion_tokens":7,"stop":"END","seed":-1}"#
        )
        #expect(r.messages[0].content == .parts([.init(type: "text", text: "a"), .init(type: "text", text: "b")]))
        #expect(r.messages[1].content == nil)
        #expect(r.maxTokens == 7)
        let s = try CompletionSettings(
            sampling: r.sampling, maxTokens: r.maxTokens, stream: r.stream, streamOptions: r.streamOptions)
        #expect(s.temperature == 1, "OpenAI's default")
        #expect(s.topP == 1)
        #expect(s.stop == ["END"])
        #expect(s.seed == UInt64.max, "a negative seed keeps its bits")
        #expect(!s.stream && !s.includeUsage)
    }

    @Test("a top_p or repetition_penalty that is positive as a Double but 0 as the sampler's Float is refused")
    func denormals() throws {
        // Found by `tandem bench fuzz --target openai`: 4.9e-324 passed the check, the sampler saw 0.0,
        // and the request ended in a 500 instead of a 400.
        for field in ["top_p", "repetition_penalty"] {
            let r = try Self.chat(#"{"messages":[{"role":"user","content":"x"}],"\#(field)":4.9e-324}"#)
            #expect(throws: OpenAIError.self) {
                _ = try CompletionSettings(
                    sampling: r.sampling, maxTokens: nil, stream: nil, streamOptions: nil)
            }
        }
    }

    @Test("max_tokens near Int.max is refused for the context, not an overflow that stops the server")
    func hugeMaxTokens() {
        // Found by `tandem bench fuzz --target openai` (seed 1): prompt + max_tokens trapped in the
        // error's message and took the whole verifier down.
        let error = OpenAIError.contextLengthExceeded(
            contextLength: 256, promptTokens: 5, maxTokens: Int.max, param: "prompt")
        #expect(error.status == 400)
        #expect(error.code == "context_length_exceeded")
        #expect(error.message.contains("more than \(Int.max)"))
    }

    @Test("wrong types name the field by its path")
    func paths() {
        #expect(
            throws: OpenAIError.invalidType("messages[0].content", expected: "a string or an array of content parts")
        ) {
            try Self.chat(#"{"messages":[{"role":"user","content":5}]}"#)
        }
        #expect(throws: OpenAIError.missing("messages[0].role")) {
            try Self.chat(#"{"messages":[{"content":"x"}]}"#)
        }
    }

    @Test("values out of range are refused with the field named")
    func ranges() throws {
        let cases: [(String, String)] = [
            (#"{"top_p":0}"#, "top_p"), (#"{"top_p":1.5}"#, "top_p"), (#"{"temperature":-0.1}"#, "temperature"),
            (#"{"min_p":2}"#, "min_p"), (#"{"top_k":-2}"#, "top_k"), (#"{"presence_penalty":0.5}"#, "presence_penalty"),
            (#"{"logprobs":true}"#, "logprobs"), (#"{"best_of":3}"#, "best_of"),
        ]
        for (json, param) in cases {
            let sampling = try JSONDecoder().decode(SamplingFields.self, from: Data(json.utf8))
            do {
                _ = try CompletionSettings(sampling: sampling, maxTokens: nil, stream: nil, streamOptions: nil)
                Issue.record("\(json) was accepted")
            } catch {
                #expect(error.param == param, "\(json)")
                #expect(error.status == 400)
            }
        }
    }

    @Test("error bodies carry null param and code rather than leaving them out")
    func nulls() throws {
        let body = OpenAIError.invalidJSON("x").body
        let json = String(decoding: try JSONEncoder().encode(body), as: UTF8.self)
        #expect(json.contains(#""param":null"#))
        #expect(json.contains(#""code":null"#))
    }

    @Test("prompt forms: text, ids, one-element arrays, batches")
    func prompts() throws {
        func prompt(_ json: String) throws -> PromptField {
            try OpenAIRequestDecoder.decode(CompletionRequest.self, from: Data(#"{"prompt":\#(json)}"#.utf8)).prompt
        }
        #expect(try prompt(#""hi""#) == .text("hi"))
        #expect(try prompt("[1,2,3]") == .tokens([1, 2, 3]))
        #expect(try prompt(#"["hi"]"#) == .text("hi"))
        #expect(try prompt("[[4,5]]") == .tokens([4, 5]))
        #expect(try prompt(#"["a","b"]"#) == .batch(count: 2))
    }
}
