import ArgumentParser
import Foundation
import TandemBench
import TandemGGUF
import TandemKernels

/// `tandem bench kernels`: matmul throughput per weight type on SmolLM2-135M's shapes.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure matmul speed: GB/s of weights read at k = 1 and the cost of k = 2…16 relative to k = 1.",
        discussion: """
            For each weight type and shape (rows × cols: 576×1536, 1536×576, 49152×576 — SmolLM2-135M's \
            ffn_down, ffn_gate/up and output), with 1 and 2 threads: the best time of a k = 1 matmul, \
            as GB/s of weight bytes, and the time of k = 2, 4, 8, 16 divided by the k = 1 time. \
            K-quants need cols % 256 == 0, so they run only on 576×1536. Build with -c release.

            Example: swift run -c release tandem bench kernels --types q8_0,q4_0 --threads 1,2
            """
    )

    @Option(help: "Comma-separated weight types.")
    var types: String = "f32,f16,bf16,q8_0,q4_0,q4_1,q5_0,q4_K,q6_K"

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "Seconds to spend per measurement (best of repeated runs).")
    var seconds: Double = 0.25

    @Option(help: "Comma-separated k values compared with k = 1.")
    var kList: String = "2,4,8,16"

    @Option(
        help:
            "MB of weight copies to rotate through so each call reads weights from DRAM, as in a real forward pass (0: one copy, cache-warm)."
    )
    var coldMB: Int = 384

    @Option(help: "Force a SIMD level (0 scalar, 1 AVX2, 2 AVX-512 VNNI); default: the detected one.")
    var simd: Int?

    @Flag(help: "Time with the wall clock instead of the calling thread's CPU time.")
    var wall = false

    func run() throws {
        try reportingErrors {
            if let simd { Kernels.setSIMDLevel(simd) }
            let typeList = try types.split(separator: ",").map { name -> GGMLType in
                guard let type = GGMLType(name: String(name)) else { throw CommandLineError("unknown type \(name)") }
                return type
            }
            let benchmark = KernelBenchmark(
                types: typeList, threads: threads.split(separator: ",").compactMap { Int($0) }, seconds: seconds,
                ks: kList.split(separator: ",").compactMap { Int($0) }, coldMB: coldMB, wall: wall)
            try benchmark.run { print($0) }
        }
    }
}
