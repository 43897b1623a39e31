import TandemGGUF

/// Why a kernel-level object could not be built from the given data.
public enum KernelError: Error, CustomStringConvertible, Equatable {
    /// The tensor's element type has no kernel (or no quantizer) here.
    case unsupportedType(GGMLType, tensor: String)
    /// Sizes that do not fit together (byte count, block multiple, dimensions).
    case shape(String)

    public var description: String {
        switch self {
        case .unsupportedType(let type, let tensor):
            return "unsupported tensor type \(type) for '\(tensor)'"
        case .shape(let message):
            return "shape error: \(message)"
        }
    }
}
