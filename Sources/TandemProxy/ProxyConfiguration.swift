import TandemClient
import TandemDecoding
import TandemSecurity

/// How the proxy verifies its drafts.
public enum ProxyVerification: Sendable {
    /// Verifiers from `directory` (a list of addresses or a coordinator), with failover between them and
    /// the draft alone while none answers (`ResilientGenerator`, as `tandem generate --coordinator`).
    case resilient(VerifierDirectory, requireSha256: String?)
    /// One server, with early-exit preemptive and/or proactive drafting (`AssistedGenerator`, as
    /// `tandem generate --server … --preemptive|--proactive`); a lost server is reconnected, not replaced.
    case server(String, preemptive: Bool, proactive: Bool)
    /// Routing (`tandem generate --mode route`): the draft writes, and only the positions where it is
    /// unsure go to the one server, which answers its own token there. Not the target's text exactly.
    case route(String, RoutedGenerator.Configuration)
    /// No verifier: the draft alone (a baseline; its text is the draft's, not the target's).
    case localOnly
}

/// What every completion of one proxy shares.
public struct ProxyConfiguration: Sendable {
    public var verification: ProxyVerification
    /// A fresh window policy for each request (policies keep running estimates).
    public var makePolicy: @Sendable () -> any WindowPolicy
    /// Local tokens between attempts to reach a verifier again (resilient mode).
    public var retryEveryTokens: Int
    /// Longest wait for a connection or an answer from one verifier.
    public var timeout: Duration
    /// Tokens kept in each sampled draft's q.
    public var proposalTopK: Int
    /// What the proxy checks about the one server of `.server` and `.route` (trusted certificates, the
    /// required model hash, the verifier secret); `.resilient` uses its directory's.
    public var security: ClientSecurity
    /// The upstream verifiers' API key, sent as `Authorization: Bearer` on every upgrade (never logged).
    public var apiKey: String?

    public init(
        verification: ProxyVerification,
        makePolicy: @escaping @Sendable () -> any WindowPolicy = { ConfidenceStoppingWindow() },
        retryEveryTokens: Int = 8, timeout: Duration = .seconds(10), proposalTopK: Int = 8,
        security: ClientSecurity = ClientSecurity(), apiKey: String? = nil
    ) {
        self.security = security
        self.apiKey = apiKey
        self.verification = verification
        self.makePolicy = makePolicy
        self.retryEveryTokens = max(1, retryEveryTokens)
        self.timeout = timeout
        self.proposalTopK = proposalTopK
    }

    /// The `tandem.mode` of a completion made this way.
    var mode: String {
        switch verification {
        case .localOnly: return "local"
        case .route: return "routed"
        case .resilient, .server: return "assisted"
        }
    }
}
