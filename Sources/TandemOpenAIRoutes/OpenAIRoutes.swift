import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TandemDecoding
import TandemOpenAI

/// The OpenAI-compatible endpoints over any `CompletionBackend`: `POST /v1/chat/completions`,
/// `POST /v1/completions` (streamed as server-sent events when `stream` is true) and, optionally,
/// `GET /v1/models`. Every refusal is an OpenAI-shaped error with its HTTP status; nothing a request
/// holds stops the server from serving the next one.
///
/// ```swift
/// let routes = OpenAIRoutes(model: ServedModel(id: "m", contextLength: 2048, tokenizer: t), backend: b)
/// routes.mount(on: router)
/// ```
public struct OpenAIRoutes: Sendable {
    public let model: ServedModel
    public let backend: any CompletionBackend
    /// The default largest request body (413 above it).
    public static let maxBodyBytes = 4 << 20
    /// Largest request body this instance accepts (413 above it).
    public let maxBodyBytes: Int

    public init(model: ServedModel, backend: any CompletionBackend, maxBodyBytes: Int = OpenAIRoutes.maxBodyBytes) {
        self.model = model
        self.backend = backend
        self.maxBodyBytes = maxBodyBytes
    }

    /// Adds the routes to `router`; `models: false` leaves `GET /v1/models` to the caller.
    public func mount<Context: RequestContext>(on router: Router<Context>, models: Bool = true) {
        router.post("v1/chat/completions") { request, _ -> Response in
            await self.respond(to: request) { data throws(OpenAIError) in
                try PreparedCompletion.chat(
                    try OpenAIRequestDecoder.decode(ChatCompletionRequest.self, from: data), model: self.model)
            }
        }
        router.post("v1/completions") { request, _ -> Response in
            await self.respond(to: request) { data throws(OpenAIError) in
                try PreparedCompletion.text(
                    try OpenAIRequestDecoder.decode(CompletionRequest.self, from: data), model: self.model)
            }
        }
        if models {
            router.get("v1/models") { _, _ -> Response in
                Self.json(OpenAIModelList(data: self.model.entries))
            }
        }
    }

    private func respond(
        to request: Request, prepare: (Data) throws(OpenAIError) -> PreparedCompletion
    ) async -> Response {
        do {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw OpenAIError.bodyTooLarge(limit: maxBodyBytes)
            } catch {
                // The body ended before its Content-Length (the client shut its side): a bad request.
                throw OpenAIError.invalidJSON("the request body ended before its declared length")
            }
            let prepared = try prepare(Data(buffer: body))
            let events = EventSource(try backend.generate(prepared.session, stopStrings: prepared.stopStrings))
            // The first event (the session opened, the prompt read, the first token made) is awaited
            // here, so a failure to start is an HTTP error rather than a broken stream.
            let first = try await events.next()
            if prepared.settings.stream {
                return stream(prepared, first: first, events: events)
            }
            return try await complete(prepared, first: first, events: events)
        } catch let error as OpenAIError {
            return Self.error(error)
        } catch {
            return Self.error(Self.map(error))
        }
    }

    /// A non-streamed answer.
    private func complete(
        _ p: PreparedCompletion, first: GenerationEvent?, events: EventSource
    ) async throws -> Response {
        var text = CompletionText(tokenizer: model.tokenizer, stop: p.settings.stop)
        var event = first
        while let current = event {
            switch current {
            case .token(let id): _ = text.feed(id)
            case .finished(let result):
                _ = text.finish()
                let usage = Usage(promptTokens: p.promptTokens, completionTokens: result.tokens.count)
                let reason = text.finishReason(result.finishReason)
                let tandem = backend.stats(result)
                switch p.kind {
                case .chat:
                    return Self.json(
                        ChatCompletion(
                            id: Self.id("chatcmpl"), created: Self.now, model: p.modelName,
                            choices: [.init(message: .init(content: text.text), finishReason: reason)],
                            usage: usage, tandem: tandem))
                case .text:
                    return Self.json(
                        TextCompletion(
                            id: Self.id("cmpl"), created: Self.now, model: p.modelName,
                            choices: [.init(text: text.text, finishReason: reason)], usage: usage, tandem: tandem))
                }
            }
            event = try await events.next()
        }
        throw OpenAIError.server("the generation ended without a result")
    }

    /// A streamed answer: `data: {chunk}` events, then `data: [DONE]`. A failure after the first
    /// event is sent as one `data: {"error": …}` event, as llama.cpp's server does.
    private func stream(_ p: PreparedCompletion, first: GenerationEvent?, events: EventSource) -> Response {
        let model = self.model
        let backend = self.backend
        let id = Self.id(p.kind == .chat ? "chatcmpl" : "cmpl")
        let created = Self.now
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache",
        ]
        let body = ResponseBody { writer in
            func send(_ value: some Encodable) async throws {
                try await writer.write(ByteBuffer(string: "data: \(Self.encode(value))\n\n"))
            }
            func piece(_ text: String, reason: String?, tandem: TandemCompletionStats?) async throws {
                switch p.kind {
                case .chat:
                    try await send(
                        ChatCompletionChunk(
                            id: id, created: created, model: p.modelName,
                            choices: [.init(delta: .init(content: reason == nil ? text : nil), finishReason: reason)],
                            tandem: tandem))
                case .text:
                    try await send(
                        TextCompletion(
                            id: id, created: created, model: p.modelName,
                            choices: [.init(text: text, finishReason: reason)], usage: nil, tandem: tandem))
                }
            }
            if p.kind == .chat {
                try await send(
                    ChatCompletionChunk(
                        id: id, created: created, model: p.modelName,
                        choices: [.init(delta: .init(role: "assistant", content: ""), finishReason: nil)]))
            }
            var text = CompletionText(tokenizer: model.tokenizer, stop: p.settings.stop)
            var event = first
            do {
                while let current = event {
                    switch current {
                    case .token(let token):
                        let released = text.feed(token)
                        if !released.isEmpty { try await piece(released, reason: nil, tandem: nil) }
                    case .finished(let result):
                        let rest = text.finish()
                        if !rest.isEmpty { try await piece(rest, reason: nil, tandem: nil) }
                        try await piece(
                            "", reason: text.finishReason(result.finishReason), tandem: backend.stats(result))
                        if p.settings.includeUsage {
                            let usage = Usage(promptTokens: p.promptTokens, completionTokens: result.tokens.count)
                            switch p.kind {
                            case .chat:
                                try await send(
                                    ChatCompletionChunk(
                                        id: id, created: created, model: p.modelName, choices: [], usage: usage))
                            case .text:
                                try await send(
                                    TextCompletion(
                                        id: id, created: created, model: p.modelName, choices: [], usage: usage))
                            }
                        }
                    }
                    event = try await events.next()
                }
            } catch let error as OpenAIError {
                try await send(error.body)
            } catch {
                try await send(Self.map(error).body)
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A failure from the generation as an OpenAI error.
    static func map(_ error: any Error) -> OpenAIError {
        switch error {
        case let error as OpenAIError: return error
        case GenerationError.promptTooLong(let count, let contextLength):
            return .contextLengthExceeded(
                contextLength: contextLength, promptTokens: count, maxTokens: nil, param: "messages")
        case is CancellationError: return .server("the generation was cancelled")
        default: return .server("the generation failed: \(error)")
        }
    }

    static func error(_ error: OpenAIError) -> Response {
        json(error.body, status: HTTPResponse.Status(code: error.status))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: encode(value))))
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    static func id(_ prefix: String) -> String {
        let hex = (0..<3).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        return "\(prefix)-\(hex.prefix(24))"
    }
}

/// A generation's events read by one consumer at a time: first the request handler (the first
/// event), then the response body's writer (the rest).
///
/// `@unchecked Sendable`: the iterator is only ever used by one task at a time, strictly in sequence:
/// the handler awaits its `next()` before it returns the response, and only then does the server run
/// the body's writer, which is the sole user from there on (the hand-over goes through the server's
/// own task scheduling, which orders the two).
final class EventSource: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<GenerationEvent, any Error>.AsyncIterator

    init(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) {
        iterator = stream.makeAsyncIterator()
    }

    func next() async throws -> GenerationEvent? {
        var it = iterator
        defer { iterator = it }
        return try await it.next()
    }
}
