import Foundation
import NIOSSL

/// Reads PEM files into NIOSSL's types, every failure a `TLSSetupError` naming the file.
enum PEMFile {
    static func bytes(_ path: String) throws(TLSSetupError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied or unreadable")
        }
        return Array(data)
    }

    /// Every certificate in the file (at least one).
    static func certificates(_ path: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let pem = try bytes(path)
        guard String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw .badPEM(path: path, reason: "no \"-----BEGIN CERTIFICATE-----\" block")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(pem)
        } catch {
            throw .badPEM(path: path, reason: "a certificate does not parse (\(error))")
        }
        guard !certificates.isEmpty else { throw .badPEM(path: path, reason: "no certificate") }
        return certificates
    }

    /// The private key in the file.
    static func privateKey(_ path: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        let pem = try bytes(path)
        guard String(decoding: pem, as: UTF8.self).contains("PRIVATE KEY-----") else {
            throw .badPEM(path: path, reason: "no \"-----BEGIN … PRIVATE KEY-----\" block")
        }
        do {
            return try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw .badPEM(path: path, reason: "the private key does not parse (\(error))")
        }
    }
}
