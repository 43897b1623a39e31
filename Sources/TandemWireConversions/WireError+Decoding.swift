import TandemDecoding
import TandemWire

extension WireError {
    /// The wire error for a decoding-core error (what a server answers when its verifier refuses).
    public init(_ error: GenerationError) {
        let code: WireErrorCode
        switch error {
        case .tokenOutOfRange: code = .tokenOutOfRange
        case .promptTooLong: code = .contextFull
        case .windowTooLarge: code = .windowTooLarge
        case .baseMismatch: code = .resync
        case .roundOutOfOrder: code = .roundOrder
        case .notOpen: code = .notOpen
        case .sessionFinished: code = .sessionFinished
        case .emptyPrompt, .invalidLimit, .invalidSampling, .invalidProposal: code = .invalidRequest
        case .invalidVerdict, .invalidDistribution, .invalidModelOutput, .generatorBusy: code = .internal
        }
        self.init(code, error.description)
    }
}
