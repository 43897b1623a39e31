import Foundation
import Hummingbird
import NIOCore
import TandemOpenAI
import TandemWire

/// The key check of the verifier's HTTP side: every `/v1/…` request (the OpenAI endpoints, the model
/// list, and a refused `/v1/assist` upgrade) must carry a valid `Authorization: Bearer KEY` when the
/// server has keys; a refusal is OpenAI's 401 (`invalid_api_key`). `/health` and `/metrics` stay open.
/// The admitted key travels to the completion backend as `RequestKey.grant`.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: AccessControl

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard access.keyring != nil, request.uri.path.hasPrefix("/v1/") else {
            return try await next(request, context)
        }
        // A refused upgrade was counted when it was refused; its answer here is not counted again.
        let upgrade = request.uri.path == WireProtocol.path
        switch access.authorize(request.headers[.authorization], record: !upgrade) {
        case .success(let grant):
            return try await RequestKey.$grant.withValue(grant) { try await next(request, context) }
        case .failure(let refusal):
            let error = refusal.openAIError
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[.wwwAuthenticate] = "Bearer"
            return Response(
                status: .init(code: error.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.encode(error.body))))
        }
    }

    static func encode(_ body: OpenAIErrorBody) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data("{}".utf8)
    }
}

/// The key the current HTTP request was admitted with (set by `APIKeyMiddleware`).
enum RequestKey {
    @TaskLocal static var grant: KeyGrant?
}
