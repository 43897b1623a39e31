/// Who may use a server: its API keys (nil: anyone who can reach it), and whether it may listen beyond
/// loopback without keys. Without keys and without `insecureOpen`, `VerifierServer` refuses to bind
/// anything but a loopback address.
public struct ServerAccess: Sendable {
    /// The keys a client must present (`Authorization: Bearer KEY`); nil accepts every client.
    public var keys: APIKeyring?
    /// Listen on any address without keys (the operator's explicit choice).
    public var insecureOpen: Bool

    public init(keys: APIKeyring? = nil, insecureOpen: Bool = false) {
        self.keys = keys
        self.insecureOpen = insecureOpen
    }

    /// One line saying who may use the server, for its start-up banner.
    public var summary: String {
        if let keys {
            let source = keys.path.map { " from \($0)" } ?? ""
            return
                "access: API keys required (\(keys.count) key\(keys.count == 1 ? "" : "s")\(source); SIGHUP re-reads)"
        }
        if insecureOpen { return "access: OPEN to anyone who can reach this address (--insecure-open, no API keys)" }
        return "access: no API keys, so loopback clients only (--api-keys FILE or --insecure-open to listen wider)"
    }

    /// Refuses to listen on `host` when it is not a loopback address and neither keys nor
    /// `insecureOpen` were given.
    public func checkBinding(host: String) throws(ServerAccessError) {
        guard keys == nil, !insecureOpen, !Self.isLoopback(host) else { return }
        throw ServerAccessError(
            "refusing to listen on \(host) without API keys: anyone who reaches it could use the model. "
                + "Pass --api-keys FILE (or TANDEM_API_KEYS), or --insecure-open to serve everyone, or --host 127.0.0.1"
        )
    }

    /// Whether `host` names only this machine (`localhost`, 127.0.0.0/8, `::1`).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { UInt8($0) != nil }
    }
}

/// A server that would listen beyond loopback with nothing guarding it.
public struct ServerAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
