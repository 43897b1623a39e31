import Foundation

/// The limits one API key may carry in the key file; nil means the server's own limit.
public struct KeyLimits: Sendable, Equatable {
    /// Most sessions (WebSocket sessions and OpenAI completions together) open at once under the key.
    public var maxSessions: Int?
    /// Tokens the key's sessions may produce per minute (a token bucket holding one minute's worth).
    public var tokensPerMinute: Int?
    /// Most tokens in one of the key's sessions (never more than the server's limit).
    public var maxContext: Int?
    /// Most drafts in one of the key's rounds (never more than the server's limit).
    public var maxWindow: Int?
    /// Sessions the key may open per minute (a token bucket holding one minute's worth).
    public var opensPerMinute: Int?

    public init(
        maxSessions: Int? = nil, tokensPerMinute: Int? = nil, maxContext: Int? = nil, maxWindow: Int? = nil,
        opensPerMinute: Int? = nil
    ) {
        self.maxSessions = maxSessions
        self.tokensPerMinute = tokensPerMinute
        self.maxContext = maxContext
        self.maxWindow = maxWindow
        self.opensPerMinute = opensPerMinute
    }
}

/// One entry of the key file. Its `description` names the key, never shows it.
public struct APIKey: Sendable, Equatable, CustomStringConvertible {
    /// What logs and `/metrics` call the key.
    public var name: String
    /// The bearer secret (never logged).
    public var key: String
    public var limits: KeyLimits

    public init(name: String, key: String, limits: KeyLimits = KeyLimits()) {
        self.name = name
        self.key = key
        self.limits = limits
    }

    public var description: String { "key \"\(name)\"" }
}

/// Why a key file was refused; the message names the entry and field, never a key.
public struct APIKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The `--api-keys` file: `{"keys":[{"name":"mobile-app","key":"…","max_sessions":4,
/// "tokens_per_minute":6000,"max_context":8192,"max_window":16,"opens_per_minute":60}]}` (limits
/// optional). Unknown fields are refused, so a misspelt limit cannot silently mean "no limit".
public enum APIKeyFile {
    /// The fields an entry may have.
    static let limitFields = ["max_sessions", "tokens_per_minute", "max_context", "max_window", "opens_per_minute"]

    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(APIKeyFileError) -> [APIKey] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw APIKeyFileError("cannot read the API key file \(path): \(error.localizedDescription)")
        }
        do {
            return try parse(data)
        } catch {
            throw APIKeyFileError("\(path): \(error.message)")
        }
    }

    /// Validates the file's JSON text.
    public static func parse(_ data: Data) throws(APIKeyFileError) -> [APIKey] {
        let file: FileBody
        do {
            file = try JSONDecoder().decode(FileBody.self, from: data)
        } catch let error as APIKeyFileError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIKeyFileError("malformed JSON (expected {\"keys\": [{\"name\": …, \"key\": …}, …]})")
        } catch {
            throw APIKeyFileError(describe(error))
        }
        var keys: [APIKey] = []
        var names = Set<String>()
        for (index, key) in file.keys.enumerated() {
            guard names.insert(key.name).inserted else {
                throw APIKeyFileError("keys[\(index)]: the name \"\(key.name)\" is used twice")
            }
            if let twin = keys.firstIndex(where: { $0.key == key.key }) {
                throw APIKeyFileError(
                    "keys[\(index)] (\"\(key.name)\") has the same key as keys[\(twin)] (\"\(keys[twin].name)\")")
            }
            keys.append(key)
        }
        return keys
    }

    /// A decoding failure as "keys[2].max_sessions: …", without any value from the file.
    private static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let at = path(context.codingPath)
            return (at.isEmpty ? "" : "\(at): ") + "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let at = path(context.codingPath)
            if let last = context.codingPath.last?.stringValue, limitFields.contains(last) {
                return "\(at) must be a whole number in 1…1000000000"
            }
            return
                "\(at.isEmpty ? "the file" : at) has the wrong type (expected {\"keys\": [{\"name\": \"…\", \"key\": \"…\"}]})"
        default:
            return "unreadable: \(error)"
        }
    }

    private struct FileBody: Decodable {
        var keys: [APIKey]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: FieldKey.self)
            if let extra = container.allKeys.first(where: { $0.stringValue != "keys" }) {
                throw APIKeyFileError("unknown top-level field \"\(extra.stringValue.prefix(64))\" (only \"keys\")")
            }
            var list = try container.nestedUnkeyedContainer(forKey: FieldKey("keys"))
            var keys: [APIKey] = []
            while !list.isAtEnd {
                let index = list.currentIndex
                let entry = try list.nestedContainer(keyedBy: FieldKey.self)
                keys.append(try APIKeyFile.entry(entry, at: index))
            }
            self.keys = keys
        }
    }

    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func entry(_ fields: KeyedDecodingContainer<FieldKey>, at index: Int) throws -> APIKey {
        let at = "keys[\(index)]"
        let known = Set(["name", "key"] + limitFields)
        if let extra = fields.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw APIKeyFileError(
                "\(at): unknown field \"\(extra.prefix(64))\" (known: name, key, \(limitFields.joined(separator: ", ")))"
            )
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".unicodeScalars)
        let name = try fields.decode(String.self, forKey: FieldKey("name"))
        guard !name.isEmpty, name.unicodeScalars.count <= 64, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIKeyFileError("\(at): the name must be 1…64 characters of A-Z a-z 0-9 . _ - (it labels /metrics)")
        }
        let key = try fields.decode(String.self, forKey: FieldKey("key"))
        guard !key.isEmpty else { throw APIKeyFileError("\(at) (\"\(name)\"): the key is empty") }
        guard key.utf8.count <= 512, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw APIKeyFileError(
                "\(at) (\"\(name)\"): a key must be at most 512 visible ASCII characters (no spaces), to travel in Authorization: Bearer"
            )
        }
        func limit(_ field: String) throws -> Int? {
            // Read as a number first: a fraction read as Int fails as if the file were not JSON at all.
            guard let number = try fields.decodeIfPresent(Double.self, forKey: FieldKey(field)) else { return nil }
            guard let value = Int(exactly: number), (1...1_000_000_000).contains(value) else {
                throw APIKeyFileError("\(at) (\"\(name)\"): \"\(field)\" must be a whole number in 1…1000000000")
            }
            return value
        }
        let limits = KeyLimits(
            maxSessions: try limit("max_sessions"), tokensPerMinute: try limit("tokens_per_minute"),
            maxContext: try limit("max_context"), maxWindow: try limit("max_window"),
            opensPerMinute: try limit("opens_per_minute"))
        if let context = limits.maxContext, context < 2 {
            throw APIKeyFileError("\(at) (\"\(name)\"): \"max_context\" must be ≥ 2")
        }
        return APIKey(name: name, key: key, limits: limits)
    }
}
