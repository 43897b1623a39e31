import Foundation

/// A request field the coordinator refuses (400).
public struct RegistryValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Checks shared by the coordinator (requests) and the verifier (what it is about to send).
public enum RegistryValidation {
    /// `ws://host:port` or `wss://…`, optionally with a path; no spaces, not too long.
    public static func address(_ address: String) throws(RegistryValidationError) {
        guard address.utf8.count <= RegistryAPI.maxFieldLength else {
            throw .init("address is longer than \(RegistryAPI.maxFieldLength) bytes")
        }
        guard let components = URLComponents(string: address), let scheme = components.scheme,
            ["ws", "wss"].contains(scheme.lowercased()), let host = components.host, !host.isEmpty,
            components.port.map({ (1...65535).contains($0) }) ?? true,
            !address.contains(where: { $0.isWhitespace })
        else {
            throw .init("address must be a WebSocket URL like ws://HOST:PORT, got \"\(address.prefix(80))\"")
        }
    }

    /// Non-empty, printable, not too long.
    public static func text(_ value: String, field: String) throws(RegistryValidationError) {
        guard !value.isEmpty else { throw .init("\(field) must not be empty") }
        guard value.utf8.count <= RegistryAPI.maxFieldLength else {
            throw .init("\(field) is longer than \(RegistryAPI.maxFieldLength) bytes")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .init("\(field) contains control characters")
        }
    }

    /// 64 lowercase hex digits.
    public static func sha256(_ value: String) throws(RegistryValidationError) {
        guard isSHA256(value) else {
            throw .init("model_sha256 must be 64 lowercase hex digits, got \"\(value.prefix(80))\"")
        }
    }

    /// True for 64 lowercase hex digits.
    public static func isSHA256(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
