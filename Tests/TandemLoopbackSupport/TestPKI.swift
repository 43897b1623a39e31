import Crypto
import Foundation
import NIOSSL
import TandemSecurity
import X509

/// A throwaway certificate authority and a server certificate for `localhost` signed by it, made at
/// test time (P-256, valid from an hour ago for a day): nothing is read from or written to disk unless
/// a test asks for files.
package struct TestPKI: Sendable {
    /// The CA's certificate, PEM.
    package let caPEM: String
    /// The server's certificate (for DNS name `localhost`), PEM.
    package let certificatePEM: String
    /// The server's private key, PEM (PKCS#8).
    package let keyPEM: String

    package init(commonName: String = "Tandem Test CA") throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName(commonName) }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(caKey))
        caPEM = try ca.serializeAsPEM().pemString
        certificatePEM = try leaf.serializeAsPEM().pemString
        keyPEM = leafKey.pemRepresentation
    }

    /// The server identity (certificate and key) for `VerifierServer`, `CoordinatorServer`, the proxy.
    package func serverTLS() throws -> ServerTLS {
        try ServerTLS(
            certificateChain: [try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)],
            privateKey: try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
    }

    /// The system's trust store plus this CA.
    package func trust() throws -> ClientTrust {
        ClientTrust(certificates: [try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)])
    }

    /// Writes `ca.pem`, `server.pem` and `server.key` into a fresh temporary folder and returns their paths.
    package func writeFiles() throws -> (directory: URL, ca: String, certificate: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ca = directory.appendingPathComponent("ca.pem")
        let certificate = directory.appendingPathComponent("server.pem")
        let key = directory.appendingPathComponent("server.key")
        try caPEM.write(to: ca, atomically: true, encoding: .utf8)
        try certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try keyPEM.write(to: key, atomically: true, encoding: .utf8)
        return (directory, ca.path, certificate.path, key.path)
    }
}
