import Crypto
import Foundation
import TandemWire

/// The secret a coordinator and its verifiers share (`--secret`), used by verifiers to prove who they
/// are: they sign their listing entry with it, and answer a client's `open` nonce with it. A client
/// given the same secret checks both (docs/SECURITY.md, "Model integrity"). Comparisons of
/// authentication codes are constant-time (`HMAC.isValidAuthenticationCode`).
public struct VerifierSecret: Sendable {
    /// The secret's bytes (`SymmetricKey` is not `Sendable` in this Crypto version; one is made per use).
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// `nil` for an empty secret (no secret is not a secret).
    public init?(_ secret: String) {
        guard !secret.isEmpty else { return nil }
        self.secret = Array(secret.utf8)
    }

    /// HMAC-SHA256 of `message`, 64 lowercase hex digits.
    func code(_ message: String) -> String {
        Self.hex(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key))
    }

    /// True when `code` (hex) is `message`'s authentication code; constant time in the code's bytes.
    func isValid(_ code: String, for message: String) -> Bool {
        guard let bytes = Self.bytes(hex: code), bytes.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(message.utf8), using: key)
    }

    // MARK: - The listing entry

    /// `registration` with `signed_at` set to `signedAt` (ms since 1970) and `signature` over the
    /// canonical encoding of its address, model, model hash and that time.
    public func sign(_ registration: VerifierRegistration, signedAt: Int) -> VerifierRegistration {
        var signed = registration
        signed.signedAt = signedAt
        signed.signature = code(signed.signedContent)
        return signed
    }

    /// True when `registration` carries a signature made with this secret over its own fields.
    public func verifies(_ registration: VerifierRegistration) -> Bool {
        guard let signature = registration.signature, registration.signedAt != nil else { return false }
        return isValid(signature, for: registration.signedContent)
    }

    // MARK: - The challenge at open

    /// A fresh random nonce for `open` (32 bytes, hex).
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The proof a verifier answers in `opened`: HMAC(secret, nonce ‖ model sha256).
    public func proof(nonce: String, modelSha256: String?) -> String {
        code(OpenMessage.proofContent(nonce: nonce, modelSha256: modelSha256))
    }

    /// True when `proof` answers `nonce` for `modelSha256` with this secret.
    public func verifiesProof(_ proof: String, nonce: String, modelSha256: String?) -> Bool {
        isValid(proof, for: OpenMessage.proofContent(nonce: nonce, modelSha256: modelSha256))
    }

    // MARK: -

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
