/// A verifier that is not the one the client asked for: the wrong model, or no proof that it holds the
/// shared secret. A client refuses it (a failover client moves to the next candidate).
public enum IntegrityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `opened` reported another model file hash (or none) than the required one.
    case modelMismatch(address: String, reported: String?, required: String)
    /// The client sent a nonce and the server's `opened` carried no `proof`: it does not know the secret.
    case proofMissing(address: String)
    /// The server's `proof` does not answer the nonce with the shared secret.
    case proofInvalid(address: String)
    /// A coordinator listing entry whose signature is missing or does not match its fields.
    case listingSignatureInvalid(address: String)
    /// Every entry of a coordinator's listing was refused.
    case noTrustedVerifier(String)

    public var description: String {
        switch self {
        case .modelMismatch(let address, let reported, let required):
            return "\(address) serves model sha256 \(reported ?? "(not reported)"), not the required \(required)"
        case .proofMissing(let address):
            return "\(address) did not prove it holds the verifier secret (no proof in opened): refusing it"
        case .proofInvalid(let address):
            return "\(address) answered a wrong proof for the verifier secret: refusing it (an impostor?)"
        case .listingSignatureInvalid(let address):
            return "the coordinator's entry for \(address) is not signed with the verifier secret: refusing it"
        case .noTrustedVerifier(let why): return "no trusted verifier: \(why)"
        }
    }
}
