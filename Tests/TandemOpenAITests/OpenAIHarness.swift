import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemOpenAI
import TandemProxy
import TandemServer
import TandemTokenizer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The bundled pair (Models/target.gguf, Models/draft.gguf): real models with a real tokenizer, so the
/// endpoints' text path (chat template, streaming decode, stop strings) runs as in production.
enum Bundled {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load() throws -> (target: Model, draft: Model, tokenizer: Tokenizer) {
        let target = try Model(path: root.appendingPathComponent("Models/target.gguf").path, threads: 1)
        let draft = try Model(path: root.appendingPathComponent("Models/draft.gguf").path, threads: 1)
        return (target, draft, try Tokenizer(gguf: target.file))
    }
}

/// Starts a verifier with the bundled target (OpenAI endpoints on) for the duration of `body`.
func withVerifier<T>(
    limits: ServerLimits = ServerLimits(), faults: FaultInjection = FaultInjection(),
    access: ServerAccess = ServerAccess(), clock: any Clock<Duration> = ContinuousClock(),
    _ body: (RunningServer, Model, Tokenizer, Model) async throws -> T
) async throws -> T {
    let (target, draft, tokenizer) = try Bundled.load()
    var logger = Logger(label: "test.openai.server")
    logger.logLevel = .warning
    let model = TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer)
    let running = try await VerifierServer(
        model: model, limits: limits, host: "127.0.0.1", port: 0, faults: faults, logger: logger, clock: clock,
        access: access
    ).start()
    do {
        let value = try await body(running, target, tokenizer, draft)
        await running.stop()
        return value
    } catch {
        await running.stop()
        throw error
    }
}

/// Starts a proxy with the bundled draft in front of `verification` for the duration of `body`.
func withProxy<T>(
    draft: Model, tokenizer: Tokenizer, verification: ProxyVerification,
    makePolicy: @escaping @Sendable () -> any WindowPolicy = { ConfidenceStoppingWindow() },
    aliases: [String] = [], acceptsAnyModelName: Bool = true, apiKey: String? = nil,
    _ body: (RunningProxy) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.openai.proxy")
    logger.logLevel = .warning
    let proxy = AssistedProxy(
        draft: draft, draftName: "draft.gguf", tokenizer: tokenizer,
        configuration: ProxyConfiguration(
            verification: verification, makePolicy: makePolicy, timeout: .seconds(10), apiKey: apiKey),
        aliases: aliases, acceptsAnyModelName: acceptsAnyModelName, port: 0,
        logger: logger)
    let running = try await proxy.start()
    do {
        let value = try await body(running)
        await running.stop()
        return value
    } catch {
        await running.stop()
        throw error
    }
}

/// One HTTP exchange: status and body.
struct HTTPAnswer {
    var status: Int
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

    /// The `data:` payloads of a server-sent-event stream, in order.
    var events: [String] {
        text.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: body) }
}

func post(_ base: String, _ path: String, _ body: String, apiKey: String? = nil) async throws -> HTTPAnswer {
    guard let url = URL(string: base + path) else { throw URLError(.badURL) }
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(body.utf8)
    request.timeoutInterval = 60
    let (data, response) = try await URLSession.shared.data(for: request)
    return HTTPAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
}

func get(_ base: String, _ path: String, apiKey: String? = nil) async throws -> HTTPAnswer {
    guard let url = URL(string: base + path) else { throw URLError(.badURL) }
    var request = URLRequest(url: url)
    if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
    request.timeoutInterval = 30
    let (data, response) = try await URLSession.shared.data(for: request)
    return HTTPAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
}

/// A chat request body.
func chatBody(
    _ content: String, maxTokens: Int = 24, stream: Bool = false, extra: String = ""
) -> String {
    let quoted = String(decoding: (try? JSONEncoder().encode(content)) ?? Data("\"\"".utf8), as: UTF8.self)
    return """
        {"messages":[{"role":"user","content":\(quoted)}],"max_tokens":\(maxTokens),"temperature":0,"stream":\(stream)\(extra)}
        """
}

/// The text of a streamed chat answer (its deltas joined) and its chunks.
func streamedChat(_ answer: HTTPAnswer) throws -> (text: String, chunks: [ChatCompletionChunk]) {
    var chunks: [ChatCompletionChunk] = []
    for event in answer.events where event != "[DONE]" {
        chunks.append(try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(event.utf8)))
    }
    return (chunks.flatMap(\.choices).compactMap(\.delta.content).joined(), chunks)
}
