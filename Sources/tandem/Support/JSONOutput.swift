import Foundation

/// The CLI's one JSON path: every `--json` document, every line of `tokenize --jsonl` and every JSON
/// file a command writes is an `Encodable` value through this encoder (sorted keys, one line, slashes
/// unescaped), and the one JSON value the CLI reads from a user (a `--jsonl` line) goes through
/// `JSONDecoder`.
enum JSONOutput {
    /// `value` as one line of JSON.
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints `value` as one line of JSON on stdout.
    static func print<T: Encodable>(_ value: T) throws {
        Swift.print(try string(value))
    }

    /// Writes `value` as one line of JSON (and a newline) to `path`, creating its folder.
    static func write<T: Encodable>(_ value: T, toFile path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try (try string(value) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A JSON string literal for `text`, for human-readable output that quotes pieces of text the way
    /// the JSON output does.
    static func quoted(_ text: String) -> String {
        (try? string(text)) ?? "\"\""
    }

    /// The string one line of JSON holds (surrounding whitespace allowed). Anything else — another
    /// JSON value, trailing text, a lone UTF-16 surrogate (it cannot become UTF-8) — is an error.
    static func decodeString(_ line: String) throws -> String {
        do {
            return try JSONDecoder().decode(String.self, from: Data(line.utf8))
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch: throw JSONLineError(description: "expected a JSON string")
            case .dataCorrupted(let context):
                let reason = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
                throw JSONLineError(description: "not a JSON string (\(reason ?? context.debugDescription))")
            default: throw JSONLineError(description: "not a JSON string")
            }
        }
    }
}

/// A `--jsonl` line that is not one JSON string.
struct JSONLineError: Error, CustomStringConvertible {
    var description: String
}

/// Optional numbers that are written as `null` when absent (rather than left out, as synthesised
/// `Encodable` does): for documents whose keys are always present.
extension KeyedEncodingContainer {
    mutating func encodeAlways<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
