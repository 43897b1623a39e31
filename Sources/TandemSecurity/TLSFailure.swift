import NIOSSL

/// Words a failed TLS handshake for a person: why it failed and what to do.
public enum TLSFailure {
    /// A sentence for `error` when it is a TLS failure ("TLS handshake failed: certificate not trusted
    /// (pass --ca FILE for a private CA)"), else `nil`.
    public static func describe(_ error: any Error) -> String? {
        let text = String(describing: error)
        if let extra = error as? NIOSSLExtraError {
            if extra == .failedToValidateHostname {
                return "TLS handshake failed: the server's certificate does not name this host"
            }
            if extra == .cannotUseIPAddressInSNI {
                return
                    "TLS: a wss:// address needs a host name, not an IP address (use the name in the server's certificate, e.g. wss://localhost:PORT)"
            }
            return "TLS failed: \(extra)"
        }
        // AsyncHTTPClient and the WebSocket client may wrap NIOSSL's error; its name stays in the text.
        guard
            error is NIOSSLError || error is BoringSSLError || text.contains("NIOSSL")
                || text.contains("CERTIFICATE_VERIFY_FAILED")
        else { return nil }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "TLS handshake failed: certificate not trusted (pass --ca FILE for a private CA)"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("wrong version number") {
            return "TLS handshake failed: the server does not speak TLS (use ws:// or http://)"
        }
        return "TLS handshake failed: \(text.prefix(300))"
    }
}
