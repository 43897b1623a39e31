import ServiceLifecycle
import TandemWire

/// The coordinator registration as a `Service`: waits for the server's bound port, then registers and
/// heartbeats until the service group shuts down gracefully, and deregisters on its way out (before
/// the server stops, since a group shuts its services down in reverse order).
public struct RegistrationService: Service {
    private let ports: AsyncStream<Int>
    private let registration: @Sendable (Int) -> CoordinatorRegistration
    private let load: @Sendable () -> VerifierLoad

    /// - Parameters:
    ///   - ports: yields the server's bound port once it listens (finishing without one: nothing to do).
    ///   - registration: the registration for a bound port.
    ///   - load: the server's load now, sampled at each heartbeat.
    public init(
        ports: AsyncStream<Int>, registration: @escaping @Sendable (Int) -> CoordinatorRegistration,
        load: @escaping @Sendable () -> VerifierLoad
    ) {
        self.ports = ports
        self.registration = registration
        self.load = load
    }

    public func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return }
        let agent = registration(port)
        let load = self.load
        await cancelWhenGracefulShutdown { await agent.run(load: load) }
    }
}
