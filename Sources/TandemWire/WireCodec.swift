import Foundation

/// Encodes and decodes `WireMessage`s as JSON text frames.
///
/// Uses `JSONEncoder`/`JSONDecoder` (not `JSONSerialization`, which on Linux drops U+FEFF). Decoding
/// never traps: every malformed frame becomes a `WireError` (`bad_frame`, `unknown_type`,
/// `protocol_version`) naming what was wrong.
public struct WireCodec: Sendable {
    public init() {}

    private struct Envelope: Decodable {
        var type: String?
        var v: Int?
    }

    private struct Header: Encodable {
        var type: WireMessage.Kind
        var v: Int
    }

    /// The JSON text of `message`.
    public func encode(_ message: WireMessage) throws -> String {
        let data = try encodeData(message)
        return String(decoding: data, as: UTF8.self)
    }

    /// The JSON bytes of `message`: header and payload fields in one object.
    public func encodeData(_ message: WireMessage) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(Header(type: message.kind, v: WireProtocol.version))
        let payload: Data
        switch message {
        case .open(let m): payload = try encoder.encode(m)
        case .verify(let m): payload = try encoder.encode(m)
        case .extend(let m): payload = try encoder.encode(m)
        case .close: payload = Data("{}".utf8)
        case .generate(let m): payload = try encoder.encode(m)
        case .opened(let m): payload = try encoder.encode(m)
        case .verdict(let m): payload = try encoder.encode(m)
        case .provisional(let m): payload = try encoder.encode(m)
        case .error(let m): payload = try encoder.encode(m)
        case .routed(let m): payload = try encoder.encode(m)
        }
        // Both are JSON objects: splice `{"type":…,"v":…}` and `{fields…}` into one object.
        var out = Data(header.dropLast())
        if payload.count > 2 {
            out.append(UInt8(ascii: ","))
            out.append(payload.dropFirst())
        } else {
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// The message in a text frame.
    public func decode(_ text: String) throws(WireError) -> WireMessage {
        try decode(Data(text.utf8))
    }

    /// The message in a frame's bytes.
    public func decode(_ data: Data) throws(WireError) -> WireMessage {
        let decoder = JSONDecoder()
        let envelope: Envelope
        do {
            envelope = try decoder.decode(Envelope.self, from: data)
        } catch {
            throw WireError(.badFrame, "the frame is not a JSON object: \(Self.describe(error))")
        }
        guard let type = envelope.type else { throw WireError(.badFrame, "the frame has no \"type\"") }
        guard let v = envelope.v else { throw WireError(.badFrame, "the frame has no protocol version \"v\"") }
        guard v == WireProtocol.version else {
            throw WireError(
                .protocolVersion, "protocol version \(v) is not supported; this side speaks v\(WireProtocol.version)")
        }
        guard let kind = WireMessage.Kind(rawValue: type) else {
            throw WireError(.unknownType, "unknown message type \"\(type.prefix(64))\"")
        }
        do {
            switch kind {
            case .open: return .open(try decoder.decode(OpenMessage.self, from: data))
            case .verify: return .verify(try decoder.decode(VerifyMessage.self, from: data))
            case .extend: return .extend(try decoder.decode(ExtendMessage.self, from: data))
            case .close: return .close
            case .generate: return .generate(try decoder.decode(GenerateMessage.self, from: data))
            case .opened: return .opened(try decoder.decode(OpenedMessage.self, from: data))
            case .verdict: return .verdict(try decoder.decode(VerdictMessage.self, from: data))
            case .provisional: return .provisional(try decoder.decode(ProvisionalMessage.self, from: data))
            case .error: return .error(try decoder.decode(ErrorMessage.self, from: data))
            case .routed: return .routed(try decoder.decode(RoutedMessage.self, from: data))
            }
        } catch {
            throw WireError(.badFrame, "malformed \"\(type)\" message: \(Self.describe(error))")
        }
    }

    /// A short description of a Codable error: which field and why.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? Swift.DecodingError else { return "\(error)" }
        func path(_ context: Swift.DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : "at \(p): "
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context))missing field \"\(key.stringValue)\""
        case .typeMismatch(let type, let context): return "\(path(context))expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context))expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context))\(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
