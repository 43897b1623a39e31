import CTandemKernels

/// The compute kernels of the inference engine: matmul over quantized weights, norms, RoPE,
/// attention and elementwise ops. Every kernel's result for one position (row) is bit-identical
/// whatever the number of rows processed together and the number of threads.
public enum Kernels {}

extension Kernels {
    /// The SIMD level the matmul kernels run at: 0 portable scalar, 1 AVX2+FMA+F16C,
    /// 2 AVX-512VL+VNNI. Chosen once from the CPU's features.
    public static var simdLevel: Int { Int(tk_simd_level()) }

    /// Forces a SIMD level no higher than the detected one (benchmarks, tests); returns the level
    /// now in effect. Process-wide: changing it while other threads run matmuls changes kernels
    /// between their calls (never within one call), breaking bit-identity across those calls.
    @discardableResult
    public static func setSIMDLevel(_ level: Int) -> Int {
        Int(tk_set_simd_level(Int32(clamping: level)))
    }
}
