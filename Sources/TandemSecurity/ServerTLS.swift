import NIOSSL

/// A server's TLS identity: its certificate chain and private key (PEM files), as a NIOSSL server
/// configuration. The verifier, the coordinator and the proxy take one to serve `wss://` / `https://`.
///
/// ```swift
/// let tls = try ServerTLS(certificateFile: "server.pem", keyFile: "server.key")
/// let server = VerifierServer(model: target, security: ServerSecurity(tls: tls))
/// ```
public struct ServerTLS: Sendable {
    /// The configuration Hummingbird's TLS channel is built with.
    public let configuration: TLSConfiguration

    /// Loads the chain (leaf first) and the key; throws `TLSSetupError` naming the file that is missing,
    /// unreadable or not PEM, or when the key does not belong to the certificate.
    public init(certificateFile: String, keyFile: String) throws(TLSSetupError) {
        let chain = try PEMFile.certificates(certificateFile)
        let key = try PEMFile.privateKey(keyFile)
        try self.init(certificateChain: chain, privateKey: key, describedAs: keyFile)
    }

    /// A chain and key already in memory (tests make them at run time).
    public init(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey) throws(TLSSetupError) {
        try self.init(certificateChain: certificateChain, privateKey: privateKey, describedAs: "the private key")
    }

    private init(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, describedAs name: String)
        throws(TLSSetupError)
    {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        // A key that does not match the certificate fails here, at start, not at the first handshake.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .badPEM(path: name, reason: "the key does not fit the certificate, or TLS setup failed (\(error))")
        }
        self.configuration = configuration
    }

    /// Both files or neither: `nil` when neither is given (plain `ws://` / `http://`).
    public static func load(certificateFile: String?, keyFile: String?) throws(TLSSetupError) -> ServerTLS? {
        switch (certificateFile, keyFile) {
        case (nil, nil): return nil
        case (let cert?, let key?): return try ServerTLS(certificateFile: cert, keyFile: key)
        case (_?, nil): throw .incomplete("--tls-cert needs --tls-key (the certificate's private key, PEM)")
        case (nil, _?): throw .incomplete("--tls-key needs --tls-cert (the certificate chain, PEM)")
        }
    }
}
