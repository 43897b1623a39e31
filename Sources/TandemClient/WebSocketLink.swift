import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import Synchronization
import TandemSecurity
import TandemWire

/// One WebSocket connection as a pair of calls: `send` a text frame, `receive` the next one, each
/// bounded in time. The connection runs on its own task; when it ends, waiting and later calls fail
/// with `ClientError.connectionLost`.
///
/// `package`, not `public`: the test targets' raw connections and the fuzzer's hostile client send
/// hand-made frames through it.
package final class WebSocketLink: Sendable {
    private enum Waiter {
        case none
        case message(id: Int, CheckedContinuation<String, any Error>)
        case ready(id: Int, CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var queue: [String] = []
        var writer: WebSocketOutboundWriter?
        var ended: ClientError?
        var waiter: Waiter = .none
        var nextID = 0
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)
    package let url: String

    private init(url: String) {
        self.url = url
    }

    /// Connects to `url` (`ws://host:port/path`, or `wss://` verified against `trust`) and returns once
    /// the upgrade completed; with `apiKey` the upgrade carries `Authorization: Bearer KEY`. A failed TLS
    /// handshake throws `ClientError.tlsFailed` saying why. Text longer than `maxFrameSize` is sent as
    /// several frames of one message (tests of the server's message cap pass a small one).
    package static func connect(
        url: String, timeout: Duration, logger: Logger, trust: ClientTrust = .system, apiKey: String? = nil,
        maxFrameSize: Int = WireProtocol.maxFrameBytes
    ) async throws -> WebSocketLink {
        let link = WebSocketLink(url: url)
        var headers = HTTPFields()
        if let apiKey { headers[.authorization] = "Bearer \(apiKey)" }
        let task = Task { [headers] in
            do {
                try await WebSocketClient.connect(
                    url: url,
                    configuration: .init(maxFrameSize: maxFrameSize, additionalHeaders: headers),
                    tlsConfiguration: trust.tlsConfiguration, logger: logger
                ) { inbound, outbound, _ in
                    link.ready(outbound)
                    for try await message in inbound.messages(maxSize: WireProtocol.maxFrameBytes) {
                        if case .text(let text) = message { link.push(text) }
                    }
                }
                link.end(.connectionLost("the server closed the connection"))
            } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                // A server with API keys refuses the upgrade of a missing or unknown key (401).
                let hint =
                    apiKey == nil
                    ? "the server may need an API key: pass --api-key or set TANDEM_API_KEY"
                    : "the server may not accept this API key (revoked, or over its limits), or it is not a Tandem verifier"
                link.end(.connectionFailed(url: url, reason: "WebSocket upgrade refused (\(hint))"))
            } catch {
                if let tls = TLSFailure.describe(error) {
                    link.end(.tlsFailed(url: url, reason: tls))
                } else {
                    link.end(.connectionFailed(url: url, reason: "\(error)"))
                }
            }
        }
        link.task.withLock { $0 = task }
        do {
            try await link.waitReady(timeout: timeout)
        } catch {
            task.cancel()
            throw error
        }
        return link
    }

    /// Sends one text frame.
    package func send(_ text: String) async throws {
        let (writer, ended) = state.withLock { ($0.writer, $0.ended) }
        if let ended { throw ended.asLost }
        guard let writer else { throw ClientError.connectionLost("not connected") }
        do {
            try await writer.write(.text(text))
        } catch {
            throw ClientError.connectionLost("\(error)")
        }
    }

    /// Sends one text message as frames of at most the link's `maxFrameSize` (tests of the server's
    /// message cap).
    package func sendFragmented(_ text: String) async throws {
        let (writer, ended) = state.withLock { ($0.writer, $0.ended) }
        if let ended { throw ended.asLost }
        guard let writer else { throw ClientError.connectionLost("not connected") }
        do {
            try await writer.writeTextMessage(text)
        } catch {
            throw ClientError.connectionLost("\(error)")
        }
    }

    /// The next text frame from the server.
    ///
    /// One receiver at a time: a second call while one waits throws `ClientError.concurrentReceive`
    /// (the waiting one is unaffected). Cancelling the calling task ends the wait with
    /// `CancellationError` and leaves any frame that arrives later queued for the next call.
    package func receive(timeout: Duration) async throws -> String {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
                let outcome: Result<String, any Error>? = state.withLock { s in
                    if !s.queue.isEmpty { return .success(s.queue.removeFirst()) }
                    if let ended = s.ended { return .failure(ended.asLost) }
                    if case .message = s.waiter { return .failure(ClientError.concurrentReceive) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiter = .message(id: id, continuation)
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                } else {
                    scheduleTimeout(id: id, after: timeout, what: "no answer from \(url) within \(timeout)")
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<String, any Error>? = state.withLock { s in
                guard case .message(let waiterID, let continuation) = s.waiter, waiterID == id else { return nil }
                s.waiter = .none
                return continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Closes the connection (politely when it is still up) and stops its task.
    package func close() async {
        let writer = state.withLock { $0.ended == nil ? $0.writer : nil }
        if let writer { try? await writer.close(.normalClosure, reason: nil) }
        end(.connectionLost("closed by the client"))
        task.withLock { $0 }?.cancel()
    }

    /// True once the connection ended.
    package var isClosed: Bool { state.withLock { $0.ended != nil } }

    // MARK: - Events from the connection task

    private func ready(_ writer: WebSocketOutboundWriter) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
            s.writer = writer
            guard case .ready(_, let continuation) = s.waiter else { return nil }
            s.waiter = .none
            return continuation
        }
        waiter?.resume()
    }

    private func push(_ text: String) {
        let waiter: CheckedContinuation<String, any Error>? = state.withLock { s in
            guard case .message(_, let continuation) = s.waiter else {
                s.queue.append(text)
                return nil
            }
            s.waiter = .none
            return continuation
        }
        waiter?.resume(returning: text)
    }

    private func end(_ reason: ClientError) {
        let waiter: Waiter = state.withLock { s in
            if s.ended == nil { s.ended = reason }
            defer { s.waiter = .none }
            return s.waiter
        }
        resume(waiter, throwing: reason)
    }

    private func waitReady(timeout: Duration) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, ClientError>? = state.withLock { s in
                if s.writer != nil { return .success(()) }
                if let ended = s.ended { return .failure(ended) }
                s.nextID += 1
                s.waiter = .ready(id: s.nextID, continuation)
                return nil
            }
            if let outcome {
                continuation.resume(with: outcome)
            } else {
                let id = state.withLock { $0.nextID }
                scheduleTimeout(id: id, after: timeout, what: "connecting to \(url) took over \(timeout)")
            }
        }
    }

    private func scheduleTimeout(id: Int, after timeout: Duration, what: String) {
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard let self else { return }
            let waiter: Waiter = self.state.withLock { s in
                switch s.waiter {
                case .message(let waiterID, _) where waiterID == id, .ready(let waiterID, _) where waiterID == id:
                    defer { s.waiter = .none }
                    return s.waiter
                default:
                    return .none
                }
            }
            self.resume(waiter, throwing: .timeout(what))
        }
    }

    private func resume(_ waiter: Waiter, throwing error: ClientError) {
        switch waiter {
        case .none: break
        case .message(_, let continuation): continuation.resume(throwing: error)
        case .ready(_, let continuation): continuation.resume(throwing: error)
        }
    }
}

extension ClientError {
    /// Once connected, a failed connection reads as lost.
    fileprivate var asLost: ClientError {
        if case .connectionFailed(_, let reason) = self { return .connectionLost(reason) }
        return self
    }
}

extension WebSocketLink {
    /// Sends one binary frame (only tests need this: the protocol is text).
    package func sendBinary(_ bytes: [UInt8]) async throws {
        guard let writer = state.withLock({ $0.writer }) else { throw ClientError.connectionLost("not connected") }
        try await writer.write(.binary(ByteBuffer(bytes: bytes)))
    }
}
