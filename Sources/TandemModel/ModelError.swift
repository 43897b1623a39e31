import TandemGGUF

/// Everything that can go wrong while loading a model or running it. Each case names the
/// offending key, tensor or value so the message is actionable on its own.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or is not a valid GGUF file.
    case unreadableFile(path: String, reason: String)
    /// `general.architecture` is missing.
    case missingArchitecture
    /// `general.architecture` names something other than `llama` or `qwen2`.
    case unsupportedArchitecture(String)
    /// A required metadata key is absent (or has a type that is not a number).
    case missingMetadata(key: String)
    /// A hyperparameter is present but unusable (zero, negative, or inconsistent with another).
    case invalidHyperparameter(key: String, reason: String)
    /// A required tensor is absent.
    case missingTensor(name: String)
    /// A tensor's dims disagree with the configuration.
    case tensorShapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor is stored in a type the kernels cannot compute with.
    case unsupportedTensorType(name: String, type: String)
    /// A tensor could not be read (bounds, truncated file, ...).
    case tensorUnreadable(name: String, reason: String)
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// Appending would exceed the model's context length.
    case contextOverflow(requested: Int, contextLength: Int)
    /// `truncate(to:)` asked for more positions than the cache holds (or a negative count).
    case invalidTruncation(requested: Int, count: Int)
    /// An early-exit layer outside `1...layerCount`.
    case invalidEarlyExitLayer(Int, layerCount: Int)
    /// Growing the KV caches would take more memory than the sessions' `KVBudget` has left.
    case kvBudgetExceeded(requestedBytes: Int, availableBytes: Int)
    /// A trained exit-head side file (`--exit-head`) could not be read or does not fit the model.
    case invalidExitHead(path: String, reason: String)
    /// A batched pass was given a session of another model.
    case foreignSession
    /// A batched pass named the same session twice.
    case duplicateSession

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot load '\(path)': \(reason)"
        case .missingArchitecture:
            return "model file has no general.architecture key"
        case .unsupportedArchitecture(let arch):
            return "unsupported architecture '\(arch)' (supported: llama, qwen2)"
        case .missingMetadata(let key):
            return "model file is missing required metadata key '\(key)'"
        case .invalidHyperparameter(let key, let reason):
            return "invalid hyperparameter '\(key)': \(reason)"
        case .missingTensor(let name):
            return "model file is missing tensor '\(name)'"
        case .tensorShapeMismatch(let name, let expected, let found):
            return "tensor '\(name)' has dims \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "tensor '\(name)' has unsupported type \(type)"
        case .tensorUnreadable(let name, let reason):
            return "tensor '\(name)' cannot be read: \(reason)"
        case .tokenOutOfRange(let token, let vocab):
            return "token id \(token) is out of range (vocabulary size \(vocab))"
        case .contextOverflow(let requested, let ctx):
            return "context overflow: \(requested) positions requested, context length is \(ctx)"
        case .invalidTruncation(let requested, let count):
            return "cannot truncate to \(requested) positions: the cache holds \(count)"
        case .invalidEarlyExitLayer(let layer, let count):
            return "early-exit layer \(layer) is out of range 1...\(count)"
        case .kvBudgetExceeded(let requested, let available):
            return "KV cache budget exceeded: \(requested) more bytes needed, \(available) left"
        case .invalidExitHead(let path, let reason):
            return "exit head '\(path)': \(reason)"
        case .foreignSession:
            return "a batched pass was given a session of another model"
        case .duplicateSession:
            return "a batched pass names the same session twice"
        }
    }
}
