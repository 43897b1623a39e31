import NIOSSL

/// Which servers a client believes for `wss://` and `https://`: the system's trust store, plus the
/// certificates of a private CA (`--ca FILE`) when given. Certificates are verified in full (chain and
/// host name); there is no switch that turns verification off.
public struct ClientTrust: Sendable {
    /// The private CA's certificates, added to the system's roots.
    public let additionalRoots: [NIOSSLCertificate]

    /// The system's trust store only.
    public static let system = ClientTrust(certificates: [])

    /// The system's trust store plus the CA certificates in `caFile` (PEM); throws `TLSSetupError`
    /// naming the file when it is missing, unreadable or holds no certificate.
    public init(caFile: String) throws(TLSSetupError) {
        let certificates = try PEMFile.certificates(caFile)
        self.init(certificates: certificates)
    }

    /// The system's trust store plus `certificates`.
    public init(certificates: [NIOSSLCertificate]) {
        additionalRoots = certificates
    }

    /// `nil` → the system's store only.
    public static func load(caFile: String?) throws(TLSSetupError) -> ClientTrust {
        guard let caFile else { return .system }
        return try ClientTrust(caFile: caFile)
    }

    /// A NIOSSL client configuration: full verification against the system roots and the CA's.
    public var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .default
        if !additionalRoots.isEmpty {
            configuration.additionalTrustRoots = [.certificates(additionalRoots)]
        }
        return configuration
    }
}
