import Foundation
import TandemGGUF
import TandemKernels

/// `tandem bench kernels`: matmul throughput per weight type on SmolLM2-135M's shapes (576×1536,
/// 1536×576, 49152×576): the best time of a k = 1 matmul as GB/s of weight bytes, and the time of
/// k = 2, 4, 8, 16 divided by the k = 1 time. K-quants need cols % 256 == 0, so they run only on
/// 576×1536. Each finding is handed to `report` as a line of text as soon as it is measured.
public struct KernelBenchmark: Sendable {
    public var types: [GGMLType]
    public var threads: [Int]
    /// Seconds per measurement (best of repeated runs).
    public var seconds: Double
    /// k values compared with k = 1.
    public var ks: [Int]
    /// MB of weight copies to rotate through so each call reads weights from DRAM (0: one copy).
    public var coldMB: Int
    /// Time with the wall clock instead of the calling thread's CPU time (always the wall clock for 2+ threads).
    public var wall: Bool

    public init(types: [GGMLType], threads: [Int], seconds: Double, ks: [Int], coldMB: Int, wall: Bool) {
        self.types = types
        self.threads = threads
        self.seconds = seconds
        self.ks = ks
        self.coldMB = coldMB
        self.wall = wall
    }

    public func run(report print: (String) -> Void) throws {
        let typeList = types
        let threadList = threads
        let seconds = self.seconds
        let coldMB = self.coldMB
        let wall = self.wall
        print(
            "SIMD level \(Kernels.simdLevel); timing: \(wall ? "wall clock" : "1 thread: the thread's CPU time; 2+ threads: wall clock (best run)")"
        )
        let shapes = [(576, 1536), (1536, 576), (49152, 576)]
        let ks = [1] + self.ks.filter { $0 > 1 && $0 <= 64 }
        for t in threadList {
            let pool = ComputePool(threads: t)
            let wallForThreads = wall || t > 1
            let dispatch = Self.best(seconds: seconds, wall: wallForThreads) { pool.run { _, _ in } }
            let w = try WeightMatrix(
                name: "tiny", type: .q8_0, rows: 16, cols: 64,
                bytes: try Quantizer.quantize([Float](repeating: 0.5, count: 1024), as: .q8_0))
            let x = [Float](repeating: 1, count: 64)
            var y = [Float](repeating: 0, count: 16)
            let tiny = Self.best(seconds: seconds, wall: wallForThreads) {
                Kernels.matmul(w, input: x, count: 1, output: &y, pool: pool)
            }
            print(
                String(
                    format: "threads %d: empty pool.run %.2f µs, 16×64 q8_0 matmul %.2f µs", t, dispatch * 1e6,
                    tiny * 1e6))
        }
        print(
            "type  shape        thr   k=1 µs    GB/s  "
                + ks.dropFirst().map { String(format: "%6@", "k\($0)/k1" as NSString) }.joined(separator: " "))
        for type in typeList {
            for (rows, cols) in shapes {
                guard cols % type.blockSize == 0 else { continue }
                let values = (0..<(rows * cols)).map { i in Float(sin(Double(i) * 0.37)) * 0.5 }
                let bytes = try Quantizer.quantize(values, as: type)
                let copies = max(1, min(1024, coldMB * 1_000_000 / bytes.count))
                let ws = try (0..<copies).map { _ in
                    try WeightMatrix(name: "bench", type: type, rows: rows, cols: cols, bytes: bytes)
                }
                let x = (0..<(16 * cols)).map { i in Float(cos(Double(i) * 0.11)) }
                var y = [Float](repeating: 0, count: 16 * rows)
                for t in threadList {
                    let pool = ComputePool(threads: t)
                    var times: [Int: Double] = [:]
                    for k in ks {
                        let input = Array(x[0..<(k * cols)])
                        var next = 0
                        times[k] = Self.best(seconds: seconds, wall: wall || t > 1) {
                            Kernels.matmul(ws[next], input: input, count: k, output: &y, pool: pool)
                            next = (next + 1) % ws.count
                        }
                    }
                    let t1 = times[1] ?? 1
                    let gbs = Double(bytes.count) / t1 / 1e9
                    let ratios = ks.dropFirst().map { String(format: "%6.2f", (times[$0] ?? 0) / t1) }.joined(
                        separator: " ")
                    print(
                        String(
                            format: "%-5@ %5d×%-5d  %2d  %8.1f  %6.1f  ", type.description as NSString, rows, cols, t,
                            t1 * 1e6, gbs) + ratios)
                }
            }
        }
    }

    /// Best time of `body` over repeated runs within `seconds` (at least 5 runs): wall time, or
    /// the calling thread's CPU time, so that on a loaded shared machine time the scheduler gives
    /// other processes is not counted (only meaningful single-threaded).
    public static func best(seconds: Double, wall: Bool, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        let start = Date()
        var runs = 0
        while runs < 5 || Date().timeIntervalSince(start) < seconds {
            let t0 = clockSeconds(wall: wall)
            body()
            best = min(best, clockSeconds(wall: wall) - t0)
            runs += 1
        }
        return best
    }

    public static func clockSeconds(wall: Bool) -> Double {
        var ts = timespec()
        clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
