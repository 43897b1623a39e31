import Foundation

/// A JSON value as the OpenAPI description and the server's answers hold it: booleans, integers and
/// other numbers kept apart (so a schema's `integer` can be checked), object keys unordered.
indirect enum SpecNode: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([SpecNode])
    case object([String: SpecNode])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([SpecNode].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: SpecNode].self))
        }
    }

    subscript(key: String) -> SpecNode? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    var array: [SpecNode] {
        if case .array(let a) = self { return a }
        return []
    }

    /// Object keys in sorted order (a run must not depend on a dictionary's order).
    var sortedFields: [(String, SpecNode)] {
        if case .object(let fields) = self { return fields.sorted { $0.key < $1.key } }
        return []
    }

    /// The value as the fuzzer's JSON.
    var fuzz: FuzzJSON {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .number(String(i))
        case .number(let d): .number(String(d))
        case .string(let s): .text(s)
        case .array(let a): .array(a.map(\.fuzz))
        case .object: .object(sortedFields.map { ($0.0, $0.1.fuzz) })
        }
    }
}

/// What an OpenAPI description is missing or gets wrong, for `OpenAPISubset`.
public struct OpenAPISubsetError: Error, Equatable, CustomStringConvertible {
    public var description: String
}

/// The OpenAPI 3.1 description of the OpenAI endpoints this project serves (docs/openai-subset.json):
/// the operations with a JSON request body, their request schemas (what the fuzzer builds valid
/// requests from) and their answers' schemas (what every response is checked against). Only the
/// schema keywords the description uses are read: `type`, `properties`, `required`, `items`, `oneOf`,
/// `enum`, `minimum`, `maximum`, `exclusiveMinimum`, `minItems`, `maxItems`, `example`, `$ref`.
public struct OpenAPISubset: Sendable {
    /// One `POST` operation with a JSON body.
    struct Operation: Sendable {
        var path: String
        var request: SpecNode
        var response: SpecNode
        var streamed: SpecNode
        var error: SpecNode
    }

    let root: SpecNode
    let operations: [Operation]
    /// Every path the description lists (a `GET` one too).
    let paths: [String]

    /// Reads the description at `path`.
    /// - Throws: `OpenAPISubsetError` when it is not JSON or lacks what the fuzzer needs.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OpenAPISubsetError(description: "cannot read the OpenAPI description \(path)")
        }
        try self.init(data: data)
    }

    public init(data: Data) throws {
        do {
            root = try JSONDecoder().decode(SpecNode.self, from: data)
        } catch {
            throw OpenAPISubsetError(description: "the OpenAPI description is not JSON: \(error)")
        }
        var operations: [Operation] = []
        let paths = root["paths"]?.sortedFields ?? []
        for (path, item) in paths {
            guard let post = item["post"] else { continue }
            let json = "application/json"
            guard let request = post["requestBody"]?["content"]?[json]?["schema"],
                let ok = post["responses"]?["200"]?["content"],
                let response = ok[json]?["schema"], let streamed = ok["text/event-stream"]?["schema"],
                let error = post["responses"]?["default"]?["content"]?[json]?["schema"]
            else {
                throw OpenAPISubsetError(
                    description:
                        "POST \(path) needs a JSON request body, 200 JSON and event-stream answers, a default error")
            }
            operations.append(
                Operation(path: path, request: request, response: response, streamed: streamed, error: error))
        }
        guard !operations.isEmpty else {
            throw OpenAPISubsetError(description: "the OpenAPI description has no POST operation")
        }
        self.operations = operations
        self.paths = paths.map(\.0)
    }

    /// `schema` with its `$ref` followed (one level at a time, up to 32).
    func resolve(_ schema: SpecNode) -> SpecNode {
        var current = schema
        for _ in 0..<32 {
            guard let ref = current["$ref"]?.string, ref.hasPrefix("#/") else { return current }
            var node: SpecNode? = root
            for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
            guard let node else { return current }
            current = node
        }
        return current
    }

    /// nil when `value` fits `schema`, else where and why it does not.
    func violation(of value: SpecNode, schema raw: SpecNode, at path: String = "$") -> String? {
        let schema = resolve(raw)
        let alternatives = schema["oneOf"]?.array ?? []
        if !alternatives.isEmpty {
            return alternatives.contains { violation(of: value, schema: $0, at: path) == nil }
                ? nil : "\(path): fits none of its oneOf schemas"
        }
        let types: [String] =
            switch schema["type"] {
            case .string(let t): [t]
            case .array(let list): list.compactMap(\.string)
            default: []
            }
        if !types.isEmpty, !types.contains(where: { Self.has(value, type: $0) }) {
            return "\(path): expected \(types.joined(separator: " or "))"
        }
        if let allowed = schema["enum"]?.array, !allowed.isEmpty, !allowed.contains(value) {
            return "\(path): not one of its enum values"
        }
        switch value {
        case .object(let fields):
            for key in schema["required"]?.array.compactMap(\.string) ?? [] where fields[key] == nil {
                return "\(path): missing required \(key)"
            }
            for (key, property) in schema["properties"]?.sortedFields ?? [] {
                guard let field = fields[key] else { continue }
                if let problem = violation(of: field, schema: property, at: "\(path).\(key)") { return problem }
            }
        case .array(let items):
            if let min = schema["minItems"]?.double, Double(items.count) < min { return "\(path): too few items" }
            if let max = schema["maxItems"]?.double, Double(items.count) > max { return "\(path): too many items" }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() {
                    if let problem = violation(of: item, schema: itemSchema, at: "\(path)[\(i)]") { return problem }
                }
            }
        default: break
        }
        return nil
    }

    private static func has(_ value: SpecNode, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .number),
            ("string", .string), ("array", .array), ("object", .object):
            true
        default: false
        }
    }
}
