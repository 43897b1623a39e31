/// An error in the OpenAI API's shape: `{"error": {"message", "type", "param", "code"}}` with an HTTP
/// status, as the OpenAI service, vLLM and llama.cpp's server answer a request they refuse.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (400 bad request, 404 unknown model, 413 body too large, 429 busy, 500 failure).
    public var status: Int
    public var message: String
    /// `invalid_request_error`, `not_found_error`, `rate_limit_error` or `server_error`.
    public var type: String
    /// The request field at fault (`"messages"`, `"max_tokens"`, `"messages[0].content"`), if one is.
    public var param: String?
    /// A machine-readable reason (`missing_required_parameter`, `model_not_found`, …), if there is one.
    public var code: String?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status) \(type): \(message)" }

    /// The body the error is sent as.
    public var body: OpenAIErrorBody {
        OpenAIErrorBody(error: .init(message: message, type: type, param: param, code: code))
    }

    /// 400: the body is not JSON (or not a JSON object).
    public static func invalidJSON(_ detail: String) -> OpenAIError {
        OpenAIError(
            status: 400,
            message:
                "We could not parse the JSON body of your request (\(detail)). The body must be a JSON object.",
            type: "invalid_request_error")
    }

    /// 400: a required field is absent.
    public static func missing(_ param: String) -> OpenAIError {
        OpenAIError(
            status: 400, message: "Missing required parameter: '\(param)'.", type: "invalid_request_error",
            param: param, code: "missing_required_parameter")
    }

    /// 400: a field holds a value of the wrong JSON type.
    public static func invalidType(_ param: String, expected: String) -> OpenAIError {
        OpenAIError(
            status: 400, message: "Invalid type for '\(param)': expected \(expected).",
            type: "invalid_request_error", param: param, code: "invalid_type")
    }

    /// 400: a field holds a value outside what it allows.
    public static func invalidValue(_ param: String, _ message: String, code: String = "invalid_value")
        -> OpenAIError
    {
        OpenAIError(
            status: 400, message: "Invalid '\(param)': \(message)", type: "invalid_request_error", param: param,
            code: code)
    }

    /// 400: a field this server does not implement was set to something other than its neutral value.
    public static func unsupported(_ param: String, _ message: String) -> OpenAIError {
        OpenAIError(
            status: 400, message: "Unsupported value for '\(param)': \(message)", type: "invalid_request_error",
            param: param, code: "unsupported_value")
    }

    /// 404: the request names a model this server does not serve.
    public static func modelNotFound(_ model: String, served: String) -> OpenAIError {
        OpenAIError(
            status: 404,
            message: "The model '\(model.prefix(200))' does not exist. This server serves '\(served)'.",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// 400: prompt and completion do not fit the context (vLLM's and OpenAI's wording).
    public static func contextLengthExceeded(
        contextLength: Int, promptTokens: Int, maxTokens: Int?, param: String
    ) -> OpenAIError {
        let requested =
            maxTokens.map {
                // The request chooses max_tokens: near Int.max the sum must not trap (it crashed the server).
                let (total, overflow) = promptTokens.addingReportingOverflow($0)
                let sum = overflow ? "more than \(Int.max)" : "\(total)"
                return
                    "However, you requested \(sum) tokens (\(promptTokens) in the \(param), \($0) in the completion)."
            } ?? "However, your \(param) resulted in \(promptTokens) tokens, which leaves no room for a completion."
        return OpenAIError(
            status: 400,
            message:
                "This model's maximum context length is \(contextLength) tokens. \(requested) Please reduce the length of the \(param) or completion.",
            type: "invalid_request_error", param: param, code: "context_length_exceeded")
    }

    /// 413: the body is larger than the server accepts.
    public static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(
            status: 413, message: "The request body exceeds this server's limit of \(limit) bytes.",
            type: "invalid_request_error", code: "request_too_large")
    }

    /// 429: every session slot is taken; retry later (the official clients retry 429 by themselves).
    public static func busy(_ message: String) -> OpenAIError {
        OpenAIError(status: 429, message: message, type: "rate_limit_error", code: "rate_limit_exceeded")
    }

    /// 401: no API key, or one the server does not know (OpenAI's `invalid_api_key`).
    public static func invalidAPIKey(_ message: String) -> OpenAIError {
        OpenAIError(status: 401, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }

    /// 429: a rate limit of the key or the server was reached; `type` names the limit as OpenAI does
    /// (`tokens`, `requests`).
    public static func rateLimited(_ message: String, type: String) -> OpenAIError {
        OpenAIError(status: 429, message: message, type: type, code: "rate_limit_exceeded")
    }

    /// 500: the server failed while generating.
    public static func server(_ message: String) -> OpenAIError {
        OpenAIError(status: 500, message: message, type: "server_error")
    }
}

/// `{"error": {...}}`.
public struct OpenAIErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var message: String
        public var type: String
        public var param: String?
        public var code: String?

        public init(message: String, type: String, param: String?, code: String?) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
        }

        // `param` and `code` are written as null when absent, as OpenAI does.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(message, forKey: .message)
            try c.encode(type, forKey: .type)
            try c.encode(param, forKey: .param)
            try c.encode(code, forKey: .code)
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code }
    }

    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }
}
