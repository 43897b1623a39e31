import TandemUtilities

/// Hostile HTTP requests for the OpenAI endpoints, built from their OpenAPI description: a valid request
/// of a random operation (its fields' examples or values inside their bounds) with one mutation. Input
/// `index` of `seed` is always the same bytes.
struct OpenAIFuzzInputs: Sendable {
    /// What was done to the valid request.
    enum Mutation: String, Sendable, CaseIterable {
        case valid, streamToggle, wrongType, missingField, extraField, hugeNumber, boundaryNumber, nanString
        case deepNesting, hugeString, invalidUTF8, tokenIds, duplicateKey, contentType, truncatedJSON
        case shortBody, randomBody, badMethod, badPath, malformedHTTP
    }

    /// One request.
    struct Input: Sendable {
        var mutation: Mutation
        /// The operation's path (the request may go elsewhere: `badPath`).
        var operation: String
        /// The whole request as sent.
        var bytes: [UInt8]
        /// Shut the sending side after the bytes (a body shorter than its `Content-Length`).
        var halfClose = false
        /// The request is not a well-formed HTTP request for an OpenAI operation (a bad method, path or
        /// framing): any 4xx, or a closed connection, is a fair answer.
        var httpLevel = false
        /// The request went to the operation as a complete POST: the answer must be an OpenAI error or a
        /// valid completion.
        var streamed = false
    }

    let spec: OpenAPISubset
    let seed: UInt64
    /// The served vocabulary (token ids at and past it are out of range).
    let vocabularySize: Int
    /// The server's body limit (a body over it is answered 413, or the connection is dropped).
    let maxBodyBytes: Int

    func input(_ index: Int) -> Input {
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9FB2_1C65_1E98_DF25))
        let mutation = Mutation.allCases[index % Mutation.allCases.count]
        let operation = spec.operations[Int(rng.next() % UInt64(spec.operations.count))]
        var body = valid(operation.request, rng: &rng, depth: 0)
        var contentType: String? = "application/json"
        var input = Input(mutation: mutation, operation: operation.path, bytes: [])
        var method = "POST"
        var path = operation.path
        switch mutation {
        case .valid: break
        case .streamToggle:
            let stream = Bool.random(using: &rng)
            set(&body, "stream", .bool(stream))
            if Bool.random(using: &rng) {
                set(&body, "stream_options", .object([("include_usage", .bool(Bool.random(using: &rng)))]))
            }
        case .wrongType:
            mutateField(&body, in: operation.request, rng: &rng) { schema, rng in wrongType(for: schema, rng: &rng) }
        case .missingField:
            switch rng.next() % 3 {
            case 0: body = .object([])
            case 1: removeRandomField(&body, rng: &rng)
            default: removeRequired(&body, schema: operation.request)
            }
        case .extraField:
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let names = ["user", "tools", "metadata", "functions", "x", "", "messages", "prompt", "__proto__"]
                append(&body, names.randomElement(using: &rng) ?? "x", randomValue(rng: &rng, depth: 0))
            }
        case .hugeNumber:
            let huge = [
                "1e999", "-1e999", "99999999999999999999999999", "-9223372036854775809", "9223372036854775808",
                "1.7976931348623157e308", "4.9e-324", "-0", "1e-999", "123456789012345678901234567890.5",
                "18446744073709551616",
            ]
            setNumeric(&body, schema: operation.request, rng: &rng) { _, rng in
                .number(huge.randomElement(using: &rng) ?? "1e999")
            }
        case .boundaryNumber:
            setNumeric(&body, schema: operation.request, rng: &rng) { schema, rng in
                let low = schema["minimum"]?.double ?? schema["exclusiveMinimum"]?.double ?? 0
                let high = schema["maximum"]?.double ?? 1
                let choices: [FuzzJSON] = [
                    number(low - 1), number(low), number(high), number(high + 1), .int(0), .int(-1),
                    .int(Int.max), .int(Int.min), number(low - 0.5), number(high + 0.001), .int(1_000_000_000),
                ]
                return choices.randomElement(using: &rng) ?? .int(0)
            }
        case .nanString:
            let texts = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e5", "", " 1", "0x10", "1_000", "null"]
            setNumeric(&body, schema: operation.request, rng: &rng) { _, rng in
                // Half as strings, half as bare words (not JSON at all).
                let text = texts.randomElement(using: &rng) ?? "NaN"
                return Bool.random(using: &rng) ? .text(text) : .number(text.isEmpty ? "NaN" : text)
            }
        case .deepNesting:
            let depth = [16, 64, 256, 511, 512, 513, 1_000, 10_000, 100_000].randomElement(using: &rng) ?? 64
            let asObject = Bool.random(using: &rng)
            // Written out as text: a 100,000-deep value would overflow a recursive renderer's stack.
            let (open, close) = asObject ? (#"{"a":"#, "}") : ("[", "]")
            let nested = FuzzJSON.number(
                String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth))
            if rng.next() % 4 == 0 {
                body = nested
            } else {
                mutateField(&body, in: operation.request, rng: &rng) { _, _ in nested }
            }
        case .hugeString:
            let size = [1_024, 16_384, 262_144, maxBodyBytes + 1024].randomElement(using: &rng) ?? 1024
            let byte = UInt8.random(in: 0x61...0x7A, using: &rng)
            setString(&body, schema: operation.request, rng: &rng) { _ in .string([UInt8](repeating: byte, count: size))
            }
        case .invalidUTF8:
            let bad: [[UInt8]] = [
                [0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xC0, 0xAF],
                [0xFE, 0xFE, 0xFF], [0x80],
            ]
            setString(&body, schema: operation.request, rng: &rng) { rng in
                if rng.next() % 4 == 0 {
                    // A lone surrogate written as a JSON escape.
                    return .number(
                        ["\"\\ud800\"", "\"a\\udfff\"", "\"\\ud83d\\u0041\""].randomElement(using: &rng) ?? "")
                }
                return .string(Array("ab".utf8) + (bad.randomElement(using: &rng) ?? [0xFF]) + Array("cd".utf8))
            }
        case .tokenIds:
            let hostile: [FuzzJSON] = [
                .int(vocabularySize), .int(-1), .int(Int.max), .int(Int.min), .number("9223372036854775808"),
                .number("1e10"), .number("1.5"), .int(0), .int(vocabularySize - 1), .text("7"), .null,
            ]
            let count = [0, 1, 3, 16, 300, 100_000].randomElement(using: &rng) ?? 3
            var ids: [FuzzJSON] = (0..<count).map { _ in .int(Int.random(in: 0..<vocabularySize, using: &rng)) }
            if !ids.isEmpty, rng.next() % 4 != 0 {
                ids[Int.random(in: 0..<ids.count, using: &rng)] = hostile.randomElement(using: &rng) ?? .int(-1)
            }
            let prompt: FuzzJSON =
                switch rng.next() % 4 {
                case 0: .array([.array(ids)])
                case 1: .array([.array(ids), .array(ids)])
                default: .array(ids)
                }
            set(&body, "prompt", prompt)
            input.operation =
                spec.operations.first { $0.path.hasSuffix("/completions") && !$0.path.contains("chat") }?
                .path ?? operation.path
            path = input.operation
        case .duplicateKey:
            if case .object(let fields) = body, let field = fields.randomElement(using: &rng) {
                append(&body, field.0, randomValue(rng: &rng, depth: 0))
            }
        case .contentType:
            contentType =
                [
                    nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/json; charset=latin1", "application/xml", "*/*",
                ].randomElement(using: &rng) ?? nil
        case .truncatedJSON:
            let bytes = body.bytes
            let cut = bytes.count > 1 ? Int.random(in: 1..<bytes.count, using: &rng) : 0
            input.bytes = RawHTTPExchange.request(method: method, path: path, body: Array(bytes[0..<cut]))
        case .shortBody:
            let bytes = body.bytes
            let missing = Int.random(in: 1...1000, using: &rng)
            var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            head += "Content-Type: application/json\r\nContent-Length: \(bytes.count + missing)\r\n\r\n"
            input.bytes = Array(head.utf8) + bytes
            input.halfClose = true
            input.httpLevel = true
        case .randomBody:
            let count = Int.random(in: 0...2000, using: &rng)
            input.bytes = RawHTTPExchange.request(
                method: method, path: path, body: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case .badMethod:
            method = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "post"].randomElement(using: &rng) ?? "GET"
            if rng.next() % 4 == 0 {
                method = "POST"
                path = spec.paths.first { path in !spec.operations.contains { $0.path == path } } ?? "/v1/models"
            }
            input.httpLevel = true
            // A method HTTP does not know is a parse error, which hummingbird-websocket's upgrade
            // negotiation leaves unanswered with the connection open (bench/results/security.md): the
            // client shuts its side, and the server must then let the connection go.
            input.halfClose = method == "FOO" || method == "post"
        case .badPath:
            path =
                [
                    "/v1/completion", operation.path + "/", operation.path.uppercased(), "/v1/%00",
                    "/../v1/completions",
                    "/" + String(repeating: "a", count: 8000), "/v2" + operation.path.dropFirst(3), "*",
                    "/v1//completions",
                ].randomElement(using: &rng) ?? "/nope"
            input.httpLevel = true
        case .malformedHTTP:
            let json = body.bytes
            let heads = [
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: abc\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: -1\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nno colon here\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: \(String(repeating: "b", count: 100_000))\r\n\r\n",
                "POST \(path) HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n", "\r\n\r\n", "GARBAGE\r\n\r\n",
                "POST \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999999999999\r\n\r\n",
            ]
            if rng.next() % 5 == 0 {
                input.bytes = (0..<Int.random(in: 1...4000, using: &rng)).map { _ in
                    UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                input.bytes = Array((heads.randomElement(using: &rng) ?? "\r\n\r\n").utf8) + json
            }
            input.halfClose = true
            input.httpLevel = true
        }
        if input.bytes.isEmpty {
            let bytes = body.bytes
            input.bytes = RawHTTPExchange.request(method: method, path: path, contentType: contentType, body: bytes)
            if bytes.count > maxBodyBytes { input.httpLevel = true }
        }
        if case .object(let fields) = body, fields.contains(where: { $0.0 == "stream" && $0.1.isTrue }) {
            input.streamed = true
        }
        return input
    }

    // MARK: valid values

    /// A value that fits `raw`: its example, an enum value, or a value inside its bounds.
    func valid(_ raw: SpecNode, rng: inout SplitMix64, depth: Int) -> FuzzJSON {
        let schema = spec.resolve(raw)
        let alternatives = schema["oneOf"]?.array ?? []
        if !alternatives.isEmpty {
            return valid(alternatives[Int(rng.next() % UInt64(alternatives.count))], rng: &rng, depth: depth + 1)
        }
        if let allowed = schema["enum"]?.array, let value = allowed.randomElement(using: &rng) { return value.fuzz }
        let type = schema["type"]?.string ?? "object"
        if type != "object", type != "array", let example = schema["example"], rng.next() % 4 != 0 {
            return example.fuzz
        }
        switch type {
        case "integer":
            let low = Int(schema["minimum"]?.double ?? 0)
            let high = Int(min(schema["maximum"]?.double ?? 100, 1e15))
            // Small values most of the time: a valid request should be cheap to answer.
            return .int(Int.random(in: low...max(low, min(high, low + 16)), using: &rng))
        case "number":
            let low =
                schema["minimum"]?.double ?? schema["exclusiveMinimum"].flatMap { $0.double.map { $0 + 0.01 } } ?? 0
            let high = max(low, schema["maximum"]?.double ?? 1)
            return number((Double.random(in: low...high, using: &rng) * 100).rounded() / 100)
        case "boolean": return .bool(Bool.random(using: &rng))
        case "string":
            let words = ["def ", "hello", "return x", "class A:", "é", "\n", "  "]
            return .text(
                (0..<Int.random(in: 1...4, using: &rng)).map { _ in words.randomElement(using: &rng) ?? "" }
                    .joined())
        case "array":
            let low = Int(schema["minItems"]?.double ?? 0)
            let high = Int(schema["maxItems"]?.double ?? 3)
            let count = Int.random(in: low...max(low, min(high, 3)), using: &rng)
            guard let items = schema["items"] else { return .array([]) }
            return .array((0..<count).map { _ in valid(items, rng: &rng, depth: depth + 1) })
        default:
            let required = Set(schema["required"]?.array.compactMap(\.string) ?? [])
            var fields: [(String, FuzzJSON)] = []
            for (key, property) in schema["properties"]?.sortedFields ?? [] {
                // Required fields always; each optional one a third of the time.
                guard required.contains(key) || (depth == 0 && rng.next() % 3 == 0) else { continue }
                fields.append((key, valid(property, rng: &rng, depth: depth + 1)))
            }
            // A valid request asks for little: the oracle is the answer's shape, not its length.
            if depth == 0, !fields.contains(where: { $0.0 == "max_tokens" || $0.0 == "max_completion_tokens" }) {
                fields.append(("max_tokens", .int(Int.random(in: 1...8, using: &rng))))
            }
            return .object(fields)
        }
    }

    // MARK: mutations

    private func number(_ value: Double) -> FuzzJSON {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .number(String(value))
    }

    private func randomValue(rng: inout SplitMix64, depth: Int) -> FuzzJSON {
        switch rng.next() % (depth > 2 ? 5 : 7) {
        case 0: return .int(Int.random(in: -1000...1000, using: &rng))
        case 1: return .text("x")
        case 2: return .bool(Bool.random(using: &rng))
        case 3: return .null
        case 4: return .number("1.5e300")
        case 5: return .array((0..<3).map { _ in randomValue(rng: &rng, depth: depth + 1) })
        default: return .object([("k", randomValue(rng: &rng, depth: depth + 1))])
        }
    }

    private func wrongType(for raw: SpecNode, rng: inout SplitMix64) -> FuzzJSON {
        let schema = spec.resolve(raw)
        let type = schema["type"]?.string
        let candidates: [(String, FuzzJSON)] = [
            ("integer", .int(3)), ("number", .number("2.5")), ("string", .text("text")), ("boolean", .bool(true)),
            ("null", .null), ("array", .array([.int(1), .text("a")])), ("object", .object([("x", .int(1))])),
        ]
        let others = candidates.filter { $0.0 != type && !(type == "number" && $0.0 == "integer") }
        return others.randomElement(using: &rng)?.1 ?? .null
    }

    private func set(_ body: inout FuzzJSON, _ key: String, _ value: FuzzJSON) {
        guard case .object(var fields) = body else { return }
        if let i = fields.firstIndex(where: { $0.0 == key }) {
            fields[i].1 = value
        } else {
            fields.append((key, value))
        }
        body = .object(fields)
    }

    private func append(_ body: inout FuzzJSON, _ key: String, _ value: FuzzJSON) {
        guard case .object(var fields) = body else { return }
        fields.append((key, value))
        body = .object(fields)
    }

    private func removeRandomField(_ body: inout FuzzJSON, rng: inout SplitMix64) {
        guard case .object(var fields) = body, !fields.isEmpty else { return }
        fields.remove(at: Int.random(in: 0..<fields.count, using: &rng))
        body = .object(fields)
    }

    private func removeRequired(_ body: inout FuzzJSON, schema raw: SpecNode) {
        let required = Set(spec.resolve(raw)["required"]?.array.compactMap(\.string) ?? [])
        guard case .object(let fields) = body else { return }
        body = .object(fields.filter { !required.contains($0.0) })
    }

    /// Replaces one of the request's properties (any declared one, present or not; inside the first
    /// message or content part at times) with `make(its schema)`.
    private func mutateField(
        _ body: inout FuzzJSON, in raw: SpecNode, rng: inout SplitMix64,
        make: (SpecNode, inout SplitMix64) -> FuzzJSON
    ) {
        let properties = spec.resolve(raw)["properties"]?.sortedFields ?? []
        guard let (key, schema) = properties.randomElement(using: &rng) else { return }
        // One level down: `messages[0].<field>` with a message's schema.
        if key == "messages", rng.next() % 2 == 0, let items = spec.resolve(schema)["items"],
            let (inner, innerSchema) = (spec.resolve(items)["properties"]?.sortedFields ?? []).randomElement(
                using: &rng)
        {
            var message = valid(items, rng: &rng, depth: 1)
            set(&message, inner, make(innerSchema, &rng))
            set(&body, key, .array([message]))
            return
        }
        set(&body, key, make(schema, &rng))
    }

    /// Like `mutateField`, over the numeric properties only.
    private func setNumeric(
        _ body: inout FuzzJSON, schema raw: SpecNode, rng: inout SplitMix64,
        make: (SpecNode, inout SplitMix64) -> FuzzJSON
    ) {
        let numeric = (spec.resolve(raw)["properties"]?.sortedFields ?? []).filter {
            let type = spec.resolve($0.1)["type"]?.string
            return type == "integer" || type == "number"
        }
        guard let (key, schema) = numeric.randomElement(using: &rng) else { return }
        set(&body, key, make(spec.resolve(schema), &rng))
    }

    /// Puts `make()` where the request holds text: the prompt, a message's content, `model`, `stop`.
    private func setString(
        _ body: inout FuzzJSON, schema raw: SpecNode, rng: inout SplitMix64, make: (inout SplitMix64) -> FuzzJSON
    ) {
        let keys = (spec.resolve(raw)["properties"]?.sortedFields ?? []).map(\.0).filter {
            ["prompt", "messages", "model", "stop"].contains($0)
        }
        guard let key = keys.randomElement(using: &rng) else { return }
        let value = make(&rng)
        switch key {
        case "messages": set(&body, key, .array([.object([("role", .text("user")), ("content", value)])]))
        case "stop": set(&body, key, Bool.random(using: &rng) ? value : .array([value]))
        default: set(&body, key, value)
        }
    }
}

extension FuzzJSON {
    var isTrue: Bool {
        if case .bool(true) = self { return true }
        return false
    }
}
