/// A sampling parameter outside its range.
public enum SamplerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `name` is the parameter's command-line spelling (`top-p`), `reason` what its range is.
    case invalidParameter(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let reason):
            return "invalid sampler parameter \(name): \(reason)"
        }
    }
}
