import CTandemKernels
import TandemGGUF

/// ggml's reference (`_ref`) quantizers and the matching dequantizers, for tests and for tools
/// that write model files. Bit-compatible with llama.cpp's block layouts.
public enum Quantizer {
    /// Types `quantize` / `dequantize` accept: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q4_K, q6_K, and
    /// q8_K (the K-quants' activation type).
    public static let supportedTypes: Set<GGMLType> = [
        .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q4_K, .q6_K, .q8_K,
    ]

    /// Quantizes `values` (a whole number of `type.blockSize` blocks) into `type`'s bytes.
    public static func quantize(_ values: [Float], as type: GGMLType) throws -> [UInt8] {
        guard supportedTypes.contains(type) else { throw KernelError.unsupportedType(type, tensor: "quantize") }
        guard let byteCount = type.byteCount(elements: values.count) else {
            throw KernelError.shape(
                "\(values.count) values is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        guard !values.isEmpty else { return bytes }
        let status = values.withUnsafeBufferPointer { source in
            bytes.withUnsafeMutableBytes { destination in
                tk_quantize_row_ref(
                    Int32(type.rawValue), source.baseAddress, destination.baseAddress, Int64(values.count))
            }
        }
        guard status == 0 else { throw KernelError.unsupportedType(type, tensor: "quantize") }
        return bytes
    }

    /// Dequantizes `count` values of `type` from `bytes` (which must hold exactly that many).
    public static func dequantize(_ bytes: [UInt8], as type: GGMLType, count: Int) throws -> [Float] {
        guard supportedTypes.contains(type) else { throw KernelError.unsupportedType(type, tensor: "dequantize") }
        guard count >= 0, let byteCount = type.byteCount(elements: count) else {
            throw KernelError.shape("\(count) values is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        guard bytes.count == byteCount else {
            throw KernelError.shape("\(bytes.count) bytes, expected \(byteCount) for \(count) \(type) values")
        }
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        let status = bytes.withUnsafeBytes { source in
            values.withUnsafeMutableBufferPointer { destination in
                tk_dequantize_row(Int32(type.rawValue), source.baseAddress, destination.baseAddress, Int64(count))
            }
        }
        guard status == 0 else { throw KernelError.unsupportedType(type, tensor: "dequantize") }
        return values
    }
}
