import TandemSampling

/// How tokens are chosen in a session: the engine's own `SamplerConfig` (Codable, so the wire carries
/// it as is), which makes the verifier's p exactly what the target would sample from alone.
///
/// Filters apply in llama.cpp's order: repetition penalty → top-k → top-p → min-p → temperature.
public typealias SamplingParameters = SamplerConfig

extension SamplerConfig {
    /// Throws `GenerationError.invalidSampling` for values outside their ranges (the engine's rules).
    public func validateForSession() throws {
        do {
            try validate()
        } catch SamplerError.invalidParameter(let name, let reason) {
            throw GenerationError.invalidSampling(parameter: name, reason: reason)
        }
    }
}
