import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy that makes a loopback connection behave like a wide-area link: it accepts connections on
/// `listen`, opens one to `target` for each, and relays bytes both ways through a ``LinkProfile``: one-way
/// delay with jitter that never reorders bytes, and pacing at the link's bandwidth, each direction on
/// its own.
///
/// A close on either side reaches the other after the bytes ahead of it (half-closes become full
/// closes). Each direction stops reading once `maxQueuedBytesPerDirection` wait in it (or its output
/// socket is full), and overshoots that by at most one read (64 KiB), so a fast sender meets TCP
/// backpressure instead of growing memory.
///
/// ```swift
/// let link = LinkEmulator(
///     listen: try LinkEndpoint(host: "127.0.0.1", port: 0),
///     to: try LinkEndpoint(parsing: "127.0.0.1:8080"),
///     profile: try LinkProfile(rtt: "50ms", jitter: "5ms", bandwidth: "20mbit"))
/// let port = try await link.start()
/// // ... connect clients to 127.0.0.1:port ...
/// await link.stop()
/// ```
public final class LinkEmulator: Sendable {
    /// Where the emulator accepts connections (port 0: an ephemeral port, see ``start()``).
    public let listenEndpoint: LinkEndpoint
    /// Where each accepted connection is relayed to.
    public let target: LinkEndpoint
    /// Delay, jitter and bandwidth of the emulated link.
    public let profile: LinkProfile
    /// Bytes one direction of one connection may hold before it stops reading.
    public let maxQueuedBytesPerDirection: Int
    /// How long to wait for the target to accept a connection.
    public let connectTimeout: Duration

    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let tracker = LinkTracker()
    private let state = Mutex(LifeCycle.idle)

    private enum LifeCycle: Sendable {
        case idle
        case starting
        case running(Channel, port: Int)
        case stopped
    }

    /// An emulator; nothing listens until ``start()``.
    /// - Parameters:
    ///   - eventLoopGroup: the loops to run on; by default the emulator owns one thread and shuts it down
    ///     in ``stop()``.
    public init(
        listen: LinkEndpoint, to target: LinkEndpoint, profile: LinkProfile,
        maxQueuedBytesPerDirection: Int = 8 << 20, connectTimeout: Duration = .seconds(5),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.listenEndpoint = listen
        self.target = target
        self.profile = profile
        self.maxQueuedBytesPerDirection = max(maxQueuedBytesPerDirection, 1)
        self.connectTimeout = connectTimeout
        if let eventLoopGroup {
            group = eventLoopGroup
            ownsGroup = false
        } else {
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            ownsGroup = true
        }
    }

    /// An emulator between two `host:port` strings, such as `"127.0.0.1:0"` and `"127.0.0.1:8080"`.
    public convenience init(
        listen: String, to target: String, profile: LinkProfile, maxQueuedBytesPerDirection: Int = 8 << 20
    ) throws(LinkConfigurationError) {
        self.init(
            listen: try LinkEndpoint(parsing: listen), to: try LinkEndpoint(parsing: target), profile: profile,
            maxQueuedBytesPerDirection: maxQueuedBytesPerDirection)
    }

    /// What has been relayed so far.
    public var counters: LinkCounters { tracker.counters }

    /// The port the emulator listens on, once started.
    public var port: Int? {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return nil
        }
    }

    /// Starts listening and returns the bound port (the ephemeral one when `listen` asked for port 0).
    /// Throws ``LinkEmulatorError/listenFailed(_:_:)`` if the address cannot be bound,
    /// ``LinkEmulatorError/alreadyStarted`` on a second call and ``LinkEmulatorError/stopped`` after
    /// ``stop()`` (an emulator runs once).
    public func start() async throws -> Int {
        try state.withLock { (state) throws(LinkEmulatorError) in
            switch state {
            case .idle: break
            case .stopped: throw .stopped
            case .starting, .running: throw .alreadyStarted
            }
            state = .starting
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // One read per wake-up, so a paused direction overshoots its cap by at most one read (64 KiB).
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { [target, profile, tracker, maxQueuedBytesPerDirection, connectTimeout] client in
                Self.relay(
                    client: client, target: target, profile: profile, capacity: maxQueuedBytesPerDirection,
                    connectTimeout: connectTimeout, tracker: tracker)
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: listenEndpoint.host, port: listenEndpoint.port).get()
        } catch {
            state.withLock { $0 = .idle }
            throw LinkEmulatorError.listenFailed(listenEndpoint, LinkErrorReason.describe(error))
        }
        let port = channel.localAddress?.port ?? listenEndpoint.port
        let keep = state.withLock { state in
            guard case .starting = state else { return false }
            state = .running(channel, port: port)
            return true
        }
        if !keep {
            try? await channel.close()
            throw LinkEmulatorError.stopped
        }
        return port
    }

    /// Stops listening, closes every relayed connection and, if the emulator owns its event loop, shuts it
    /// down. Safe to call more than once.
    public func stop() async {
        let previous = state.withLock { state in
            defer { state = .stopped }
            return state
        }
        if case .stopped = previous { return }
        if case .running(let channel, _) = previous {
            try? await channel.close()
        }
        for connection in tracker.closeAll() {
            try? await connection.close()
        }
        if ownsGroup {
            try? await group.shutdownGracefully()
        }
    }

    /// Checks that the target accepts a TCP connection (then closes it); throws
    /// ``LinkEmulatorError/targetUnreachable(_:_:)`` with the reason otherwise.
    public func probeTarget() async throws {
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount.nanoseconds(LinkQuantity.nanosecondsOf(connectTimeout)))
                .connect(host: target.host, port: target.port).get()
            try? await channel.close()
        } catch {
            throw LinkEmulatorError.targetUnreachable(target, LinkErrorReason.describe(error))
        }
    }

    /// Connects an accepted client to the target on the client's event loop and wires the two directions.
    private static func relay(
        client: Channel, target: LinkEndpoint, profile: LinkProfile, capacity: Int, connectTimeout: Duration,
        tracker: LinkTracker
    ) -> EventLoopFuture<Void> {
        guard let index = tracker.accepted(client) else {
            return client.eventLoop.makeFailedFuture(LinkEmulatorError.stopped)
        }
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            // Nothing is read from the target until both handlers are in place.
            .channelOption(ChannelOptions.autoRead, value: false)
            .connectTimeout(TimeAmount.nanoseconds(LinkQuantity.nanosecondsOf(connectTimeout)))
            .connect(host: target.host, port: target.port)
            .flatMapError { error in
                let failure = LinkEmulatorError.targetUnreachable(target, LinkErrorReason.describe(error))
                tracker.upstreamFailed(client, error: failure)
                return client.eventLoop.makeFailedFuture(error)
            }
            .flatMapThrowing { upstream in
                guard tracker.opened(upstream) else {
                    upstream.close(promise: nil)
                    throw LinkEmulatorError.stopped
                }
                client.closeFuture.and(upstream.closeFuture).whenComplete { _ in
                    tracker.closed(client, upstream)
                }
                let outgoing = LinkDirection(
                    kind: .upstream, input: client, output: upstream,
                    schedule: LinkSchedule(profile: profile, stream: index &* 2), capacity: capacity,
                    tracker: tracker)
                let incoming = LinkDirection(
                    kind: .downstream, input: upstream, output: client,
                    schedule: LinkSchedule(profile: profile, stream: index &* 2 &+ 1), capacity: capacity,
                    tracker: tracker)
                try client.pipeline.syncOperations.addHandler(LinkRelayHandler(reads: outgoing, writes: incoming))
                try upstream.pipeline.syncOperations.addHandler(LinkRelayHandler(reads: incoming, writes: outgoing))
                guard upstream.isActive else {
                    // The target hung up before the relay was wired: nothing will carry that close over.
                    upstream.close(promise: nil)
                    throw LinkEmulatorError.targetUnreachable(target, "the target closed the connection at once")
                }
                try upstream.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
            }
    }
}
