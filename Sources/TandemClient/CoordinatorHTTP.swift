import AsyncHTTPClient

/// The HTTP client that asks coordinators for verifiers.
enum CoordinatorHTTP {
    /// One client for the whole process (it lives as long as the process, so it is never shut down).
    /// Unlike `HTTPClient.shared` it does not retry a refused connection until the deadline: a client
    /// whose coordinator is down asks again at every attempt to leave local generation, and each of
    /// those attempts must fail fast.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
