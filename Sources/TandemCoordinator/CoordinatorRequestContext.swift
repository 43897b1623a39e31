import Hummingbird
import NIOCore

/// The coordinator's request context: the basic one plus the peer's address, which registration
/// attempts are rate-limited by.
struct CoordinatorRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address (no port), or "unknown".
    var peer: String { remoteAddress?.ipAddress ?? "unknown" }
}
