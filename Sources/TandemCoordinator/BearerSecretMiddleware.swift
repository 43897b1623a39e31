import Hummingbird
import Logging

/// Refuses every write to the registry (POST, PUT, PATCH, DELETE) without the coordinator's bearer
/// secret, with 401 and a JSON error body, before the route's handler runs; reads pass through.
struct BearerSecretMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: VerifierRegistry
    let logger: Logger

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            do {
                try registry.authorize(request.headers[.authorization])
            } catch {
                logger.warning("refused a request without the right secret")
                return CoordinatorServer.refusal(error)
            }
            return try await next(request, context)
        }
    }
}
