/// What a client checks about the verifiers it talks to: which TLS certificates it trusts, which model
/// file it requires, and the secret a genuine verifier proves it holds.
public struct ClientSecurity: Sendable {
    /// Trusted roots for `wss://` / `https://` (the system's, plus `--ca`).
    public var trust: ClientTrust
    /// When set, a verifier whose `opened` reports another model file SHA-256 (or none) is refused.
    public var requireSha256: String?
    /// When set, every `open` carries a nonce that the verifier must answer with this secret, and a
    /// coordinator's listing entries must be signed with it.
    public var verifierSecret: VerifierSecret?

    public init(trust: ClientTrust = .system, requireSha256: String? = nil, verifierSecret: VerifierSecret? = nil) {
        self.trust = trust
        self.requireSha256 = requireSha256?.lowercased()
        self.verifierSecret = verifierSecret
    }
}

/// What a server adds to plain serving: TLS, and the secret it proves itself with.
public struct ServerSecurity: Sendable {
    /// Serve `wss://` / `https://` with this identity; `nil`: plain `ws://` / `http://`.
    public var tls: ServerTLS?
    /// Answer an `open` nonce with a proof made with this secret (the coordinator's `--secret`).
    public var secret: VerifierSecret?

    public init(tls: ServerTLS? = nil, secret: VerifierSecret? = nil) {
        self.tls = tls
        self.secret = secret
    }
}
