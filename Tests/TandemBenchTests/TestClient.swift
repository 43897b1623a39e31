import NIOCore
import NIOPosix

/// A TCP client for the tests: writes, reads exact byte counts, notices the end of the stream.
struct TestClient {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Connects to 127.0.0.1:`port` and runs `body`; the connection closes when `body` returns.
    static func withConnection<T: Sendable>(
        port: Int,
        _ body: (_ reader: inout Reader, _ writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T
    ) async throws -> T {
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return try await connection.executeThenClose { inbound, outbound in
            var reader = Reader(iterator: inbound.makeAsyncIterator())
            return try await body(&reader, outbound)
        }
    }

    /// Reads from the connection's inbound stream, keeping what was read past a request.
    struct Reader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending = ByteBuffer()

        /// Exactly `count` bytes; throws if the stream ends first.
        mutating func read(_ count: Int) async throws -> ByteBuffer {
            while pending.readableBytes < count {
                guard var next = try await iterator.next() else { throw TestFailure("stream ended early") }
                pending.writeBuffer(&next)
            }
            return pending.readSlice(length: count) ?? ByteBuffer()
        }

        /// Waits for the end of the stream; returns how many bytes came before it.
        mutating func readToEnd() async throws -> Int {
            var count = pending.readableBytes
            pending.clear()
            while let next = try await iterator.next() { count += next.readableBytes }
            return count
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, failing if it takes longer than `seconds` (so a broken relay fails instead of hanging).
func withTimeout<T: Sendable>(
    seconds: Double, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestFailure("timed out after \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TestFailure("no result") }
        return first
    }
}

/// Polls `condition` every few milliseconds until it holds or `seconds` pass; returns whether it held.
func eventually(seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
