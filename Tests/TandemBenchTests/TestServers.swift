import NIOCore
import NIOPosix
import Synchronization
import TandemBench
import Testing

/// Small NIO servers on 127.0.0.1 for the emulator to relay to.
enum TestServers {
    /// Starts a server whose accepted connections get a handler from `makeHandler`; returns the channel and
    /// its port.
    static func start(
        _ makeHandler: @escaping @Sendable () -> any ChannelHandler & Sendable
    ) async throws -> (channel: Channel, port: Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        return (channel, port)
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then released).
    static func closedPort() async throws -> Int {
        let server = try await start { EchoHandler() }
        try await server.channel.close()
        return server.port
    }
}

/// Writes back whatever it reads.
final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// Counts what it reads and answers one byte `!` once `expected` bytes have arrived.
final class AckAfterHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let expected: Int
    private var received = 0  // touched only on the channel's event loop

    init(expected: Int) { self.expected = expected }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let before = received
        received += unwrapInboundIn(data).readableBytes
        if before < expected && received >= expected {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "!")), promise: nil)
        }
    }
}

/// Notes when its connection opens and closes; closes it when it reads `bye`.
final class CloseWatchHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let opened = Mutex<ContinuousClock.Instant?>(nil)
    let closed = Mutex<ContinuousClock.Instant?>(nil)

    func channelActive(context: ChannelHandlerContext) {
        opened.withLock { $0 = .now }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if String(buffer: unwrapInboundIn(data)).contains("bye") {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.withLock { $0 = .now }
        context.fireChannelInactive()
    }
}
