import Foundation
import NIOSSL

/// Which servers a client believes for `wss://` and `https://`: the system's trust store, plus the
/// certificates of a private CA (`--ca FILE`) when given. Certificates are verified in full (chain and
/// host name); there is no switch that turns verification off.
public struct ClientTrust: Sendable {
    /// The private CA's certificates, added to the system's roots.
    public let additionalRoots: [NIOSSLCertificate]
    /// A stable name for this trust (the CA's PEM digest), so clients can be shared per trust.
    public let identity: String

    /// The system's trust store only.
    public static let system = ClientTrust(additionalRoots: [], identity: "system")

    /// The system's trust store plus the CA certificates in `caFile` (PEM); throws `TLSSetupError`
    /// naming the file when it is missing, unreadable or holds no certificate.
    public init(caFile: String) throws(TLSSetupError) {
        let certificates = try PEMFile.certificates(caFile)
        self.init(certificates: certificates)
    }

    /// The system's trust store plus `certificates`.
    public init(certificates: [NIOSSLCertificate]) {
        let identity =
            certificates.compactMap { try? $0.toDERBytes() }
            .map { bytes in bytes.map { String(format: "%02x", $0) }.joined().suffix(64) }
            .joined(separator: ",")
        self.init(additionalRoots: certificates, identity: "ca:" + identity)
    }

    private init(additionalRoots: [NIOSSLCertificate], identity: String) {
        self.additionalRoots = additionalRoots
        self.identity = identity
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
