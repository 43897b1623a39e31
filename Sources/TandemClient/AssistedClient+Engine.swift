import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemSecurity
import TandemTokenizer

extension AssistedClient {
    /// A client drafting with `draft` (a session of the engine, sampled with the engine's sampler)
    /// and verifying on the server at `server` (`ws://host:port`).
    ///
    /// - Parameters:
    ///   - draftName: the draft's name, shown in the server's refusal when tokenizers differ.
    ///   - proposalTopK: tokens kept in each sampled draft's q.
    ///   - preemptive: early-exit preemptive drafting (asks the server for provisional verdicts).
    ///   - proactive: drafting the next window while the current one is being verified.
    ///   - security: trusted certificates, the required model hash, the verifier secret.
    public init(
        draft: Model, draftName: String, tokenizer: Tokenizer, server: String, policy: any WindowPolicy,
        timeout: Duration = .seconds(60), maxReconnects: Int = 3, proposalTopK: Int = 8, preemptive: Bool = false,
        proactive: Bool = false, security: ClientSecurity = ClientSecurity(), apiKey: String? = nil
    ) {
        let verifier = RemoteVerifier(
            .init(
                url: server, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                timeout: timeout, maxReconnects: maxReconnects, preemptive: preemptive, security: security,
                apiKey: apiKey))
        let drafter = ModelDrafter(
            session: draft.makeSession(), queue: ComputeQueue(label: "tandem.draft"),
            proposalTopK: proposalTopK, shaper: SamplingDistribution.factory)
        self.init(
            drafter: drafter, verifier: verifier, policy: policy, tokenizer: tokenizer, preemptive: preemptive,
            proactive: proactive)
    }
}
