/// Errors of assisted decoding, each with a message a user (or the engineer of a buggy peer) can act on.
/// (Named so it does not shadow `Swift.DecodingError`, the Codable one.)
public enum GenerationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A session needs at least one prompt token (usually BOS).
    case emptyPrompt
    /// A token id outside the model's vocabulary.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// The prompt does not fit the model's context.
    case promptTooLong(count: Int, contextLength: Int)
    /// A limit in the request is out of range.
    case invalidLimit(name: String, reason: String)
    /// A sampling parameter is out of range.
    case invalidSampling(parameter: String, reason: String)
    /// `verify` before `open` (or after `close`, or after a failure that dropped the session).
    case notOpen
    /// The session already ended (stop token, token limit or full context).
    case sessionFinished
    /// The round's `base` is not the agreed length the verifier holds: the client must re-open.
    case baseMismatch(expected: Int, got: Int)
    /// A round number not above the last one seen (a replayed or reordered round).
    case roundOutOfOrder(last: Int, got: Int)
    /// More drafts than the verifier accepts, or than fit the context.
    case windowTooLarge(requested: Int, limit: Int)
    /// A draft proposal is malformed (q missing entries, q not a distribution, a draft outside its q...).
    case invalidProposal(String)
    /// A verdict that cannot be right (accepted > proposed, next token out of range, wrong round...).
    case invalidVerdict(String)
    /// A model's distribution has no mass or is not finite.
    case invalidDistribution(String)
    /// A model session returned output of the wrong shape.
    case invalidModelOutput(String)
    /// The generator is already running a generation (one at a time per drafter/verifier pair).
    case generatorBusy

    public var description: String {
        switch self {
        case .emptyPrompt: return "the prompt is empty; it needs at least one token (usually BOS)"
        case .tokenOutOfRange(let token, let vocabularySize):
            return "token id \(token) is outside the vocabulary 0..<\(vocabularySize)"
        case .promptTooLong(let count, let contextLength):
            return "the prompt has \(count) tokens but the context holds \(contextLength)"
        case .invalidLimit(let name, let reason): return "invalid \(name): \(reason)"
        case .invalidSampling(let parameter, let reason): return "invalid sampling \(parameter): \(reason)"
        case .notOpen: return "no open session: call open first (again after close or a failed round)"
        case .sessionFinished: return "the session has finished; open a new one to continue"
        case .baseMismatch(let expected, let got):
            return
                "round base \(got) does not match the \(expected) agreed tokens the verifier holds; re-open to resync"
        case .roundOutOfOrder(let last, let got): return "round \(got) is not after round \(last)"
        case .windowTooLarge(let requested, let limit):
            return "window of \(requested) drafts exceeds the limit of \(limit)"
        case .invalidProposal(let reason): return "invalid draft proposal: \(reason)"
        case .invalidVerdict(let reason): return "invalid verdict: \(reason)"
        case .invalidDistribution(let reason): return "invalid distribution: \(reason)"
        case .invalidModelOutput(let reason): return "invalid model output: \(reason)"
        case .generatorBusy: return "this generator is already running a generation"
        }
    }
}
