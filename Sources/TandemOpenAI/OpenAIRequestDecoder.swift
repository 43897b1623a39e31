import Foundation

/// Decodes a request body, turning every failure into the error an OpenAI server answers with: bad
/// JSON, a missing required field, or a field of the wrong type (named by its path, e.g.
/// `messages[0].content`).
public enum OpenAIRequestDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(OpenAIError) -> T {
        do {
            // A body that is valid JSON but not an object is refused like bad JSON.
            let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            guard object is [String: Any] else { throw OpenAIError.invalidJSON("the body is not a JSON object") }
        } catch let error as OpenAIError {
            throw error
        } catch {
            throw OpenAIError.invalidJSON("invalid JSON")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw map(error)
        } catch {
            throw OpenAIError.invalidJSON("\(error)")
        }
    }

    static func map(_ error: DecodingError) -> OpenAIError {
        switch error {
        case .keyNotFound(let key, let context):
            return .missing(path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            return .invalidType(path(context.codingPath), expected: "a value, but got null")
        case .typeMismatch(let type, let context):
            let expected = context.debugDescription.hasPrefix("a ") ? context.debugDescription : name(of: type)
            return .invalidType(path(context.codingPath), expected: expected)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .invalidJSON("invalid JSON") }
            return .invalidType(path(context.codingPath), expected: "a valid value")
        @unknown default:
            return .invalidJSON("\(error)")
        }
    }

    /// `messages[0].content` from a coding path.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "a value of another type"
        }
    }
}
