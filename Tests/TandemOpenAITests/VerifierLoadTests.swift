import Foundation
import Logging
import TandemModelAdapter
import TandemOpenAI
import TandemServer
import Testing

/// The load a verifier reports to its coordinator counts the OpenAI endpoints' completions beside
/// `/v1/assist` rounds, so routing sees a verifier busy with cloud-only clients as busy.
@Suite("The verifier's load counts OpenAI requests", .serialized, .timeLimit(.minutes(5)))
struct VerifierLoadTests {
    @Test("a chat and a text completion add their tokens to tokens/s and leave nothing in flight")
    func completionsCount() async throws {
        let (target, _, tokenizer) = try Bundled.load()
        var logger = Logger(label: "test.openai.load")
        logger.logLevel = .warning
        let server = VerifierServer(
            model: TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer), port: 0, logger: logger)
        let running = try await server.start()
        do {
            try await Self.check(server, running)
            await running.stop()
        } catch {
            await running.stop()
            throw error
        }
    }

    private static func check(_ server: VerifierServer, _ running: RunningServer) async throws {
        #expect(server.currentLoad.tokensPerS == 0)
        #expect(server.currentLoad.queuedRounds == 0)

        let chat = try await post(running.httpURL, "/v1/chat/completions", chatBody("What is a list?", maxTokens: 12))
        #expect(chat.status == 200, "\(chat.text)")
        let chatTokens = try chat.decode(ChatCompletion.self).usage.completionTokens
        let afterChat = server.currentLoad
        #expect(chatTokens > 0)
        #expect(afterChat.tokensPerS > 0)
        // Tokens/s is the tokens of the last 10 s over 10 s: at most what this completion made.
        #expect(afterChat.tokensPerS <= Double(chatTokens) / 10 + 1e-9)
        #expect(afterChat.queuedRounds == 0)
        #expect(afterChat.activeSessions == 0)

        let text = try await post(
            running.httpURL, "/v1/completions", #"{"prompt":"Once upon a time","max_tokens":8,"temperature":0}"#)
        #expect(text.status == 200, "\(text.text)")
        let textTokens = try text.decode(TextCompletion.self).usage?.completionTokens ?? 0
        #expect(textTokens > 0)
        #expect(server.currentLoad.tokensPerS > 0)
        #expect(server.currentLoad.queuedRounds == 0)
    }
}
