/// A `host:port` address the link emulator listens on or relays to.
public struct LinkEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address (IPv6 without brackets).
    public var host: String
    /// A TCP port; 0 asks for an ephemeral port when listening.
    public var port: Int

    /// An endpoint; the port must be in 0...65535 and the host non-empty.
    public init(host: String, port: Int) throws(LinkConfigurationError) {
        guard !host.isEmpty else { throw .invalidAddress("missing host in address ':\(port)'") }
        guard (0...65535).contains(port) else { throw .invalidAddress("port \(port) is outside 0...65535") }
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9000`, `localhost:9000` or `[::1]:9000`.
    public init(parsing text: String) throws(LinkConfigurationError) {
        let hint = "write host:port, such as 127.0.0.1:9000 or [::1]:9000"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalidAddress("cannot read '\(text)' as an address; \(hint)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw .invalidAddress("cannot read '\(text)' as an address; \(hint)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ ("0"..."9").contains($0) }),
            let port = Int(portText)
        else { throw .invalidAddress("cannot read the port in '\(text)'; \(hint)") }
        guard !host.isEmpty else { throw .invalidAddress("missing host in '\(text)'; \(hint)") }
        try self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
