import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// The server's child channel with a guard on the time before a connection's first request: a
/// request line the HTTP parser rejects gets `400` and the connection closes, and a connection that
/// has not sent a whole request head within `timeout` (silent, or trickling bytes) gets `408` and
/// closes, as llama.cpp's server and nginx answer them.
///
/// Why it is needed: until the first head is parsed, the WebSocket-upgrade pipeline of
/// hummingbird-websocket has neither an error handler nor an idle timer, so such a connection stayed
/// open, unanswered, for as long as the peer kept it — one way to hold the server's sockets for free.
/// After the first head, Hummingbird's own handlers take over (400 on later parse errors, the
/// keep-alive idle timeout, the WebSocket session's `idle_timeout`).
struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let timeout: Duration

    init(_ base: Base, timeout: Duration) {
        self.base = base
        self.timeout = timeout
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let timeout = TimeAmount(max(.milliseconds(1), timeout))
        // The guard goes in before the HTTP handlers (after TLS, when there is TLS), so what it writes
        // bypasses the HTTP encoder; the watcher goes in after them, where the parser's errors and the
        // first parsed request arrive.
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestStartGuard(timeout: timeout))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            let guardHandler = try channel.pipeline.syncOperations.handler(type: RequestStartGuard.self)
            try channel.pipeline.syncOperations.addHandler(RequestStartWatcher(guardHandler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Sits in front of the HTTP handlers: times the first request head and writes the raw refusal. Any
/// response the HTTP layer writes (a `101` upgrade included) means a head was parsed.
final class RequestStartGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// A request head arrived: the HTTP layer answers from here on.
    private var started = false
    /// A refusal went out: further bytes are dropped unread.
    private var refused = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !started, !refused { requestStarted() }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, !started else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            refuse(
                status: "408 Request Timeout", code: "request_timeout",
                message: "no complete request within \(timeout.nanoseconds / 1_000_000_000) s")
        }
    }

    /// The first request head was parsed.
    func requestStarted() {
        started = true
        timer?.cancel()
        timer = nil
    }

    /// Answers with `status` and an OpenAI-shaped error body, then closes — once, and only before a
    /// request has started (after that the HTTP layer owns the connection's answers).
    func refuse(status: String, code: String, message: String) {
        guard !started, !refused, let context else { return }
        refused = true
        timer?.cancel()
        timer = nil
        let body =
            #"{"error":{"message":"\#(message)","type":"invalid_request_error","param":null,"code":"\#(code)"}}"#
        let text =
            "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            + body
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// Sits after the HTTP handlers: tells the guard when the first request arrives, and turns the
/// parser's error before it into a `400`.
final class RequestStartWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let guardHandler: RequestStartGuard
    private var started = false

    init(_ guardHandler: RequestStartGuard) {
        self.guardHandler = guardHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !started {
            started = true
            guardHandler.requestStarted()
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !started, error is HTTPParserError {
            guardHandler.refuse(status: "400 Bad Request", code: "bad_request", message: "malformed HTTP request")
            return
        }
        context.fireErrorCaught(error)
    }
}
