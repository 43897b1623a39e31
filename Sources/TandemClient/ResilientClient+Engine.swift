import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

extension ResilientClient {
    /// A client drafting with `draft` (a session of the engine) and verifying on whichever server of
    /// `directory` answers.
    ///
    /// - Parameters:
    ///   - requireSha256: when set, only servers reporting this model file SHA-256 are used.
    ///   - proposalTopK: tokens kept in each sampled draft's q.
    public init(
        draft: Model, draftName: String, tokenizer: Tokenizer, directory: VerifierDirectory, policy: any WindowPolicy,
        requireSha256: String? = nil, timeout: Duration = .seconds(10),
        configuration: ResilientGenerator.Configuration = .init(), proposalTopK: Int = 8, apiKey: String? = nil
    ) {
        let verifier = FailoverVerifier(
            .init(
                directory: directory, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                requireSha256: requireSha256, timeout: timeout, apiKey: apiKey))
        let drafter = ModelDrafter(
            session: draft.makeSession(), queue: ComputeQueue(label: "tandem.draft"),
            proposalTopK: proposalTopK, shaper: SamplingDistribution.factory)
        self.init(
            drafter: drafter, verifier: verifier, policy: policy, tokenizer: tokenizer, configuration: configuration)
    }
}
