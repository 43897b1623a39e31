import Hummingbird
import Logging

/// Rate-limits registration attempts (`POST /v1/verifiers`, with or without the right secret) per
/// remote address, before the secret is checked, so guessing the secret is as slow as registering.
struct RegistrationThrottleMiddleware: RouterMiddleware {
    typealias Context = CoordinatorRequestContext
    let throttle: RegistrationThrottle
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, request.uri.path == "/v1/verifiers" else {
            return try await next(request, context)
        }
        guard throttle.admit(context.peer) else {
            logger.warning("throttled registration attempts from \(context.peer)")
            return CoordinatorServer.refusal(.rateLimited(perMinute: throttle.attemptsPerMinute))
        }
        return try await next(request, context)
    }
}
