import Foundation

/// One file measured for `tandem bench engine --model`: Tandem at each thread count, then llama.cpp's
/// llama-bench on the same file and thread counts. A llama-bench failure is recorded in the result and
/// Tandem's figures are kept.
public struct EngineMeasurement: Sendable {
    /// What the measurement is doing, for the caller to show.
    public enum Event: Sendable {
        /// Tandem at `threads` threads is `fraction` done.
        case tandem(threads: Int, fraction: Double)
        /// Tandem at `threads` threads is finished.
        case tandemFinished(threads: Int)
        /// llama-bench has started on the file.
        case llamaBenchStarted
        /// llama-bench failed (the result keeps Tandem's figures).
        case llamaBenchFailed(String)
    }

    public var path: String
    public var threadCounts: [Int]
    public var prefillTokens = 512
    public var depth = 512
    public var repetitions = 3
    /// llama-bench's executable, or nil to measure Tandem only.
    public var llamaBench: String?

    public init(path: String, threadCounts: [Int], llamaBench: String?) {
        self.path = path
        self.threadCounts = threadCounts
        self.llamaBench = llamaBench
    }

    public func run(_ event: (Event) -> Void) throws -> EngineComparison {
        var tandem: [EngineBenchmark.Result] = []
        for count in threadCounts {
            var benchmark = EngineBenchmark(path: path, threads: count)
            benchmark.prefillTokens = prefillTokens
            benchmark.passDepth = depth
            benchmark.repetitions = repetitions
            tandem.append(
                try withoutActuallyEscaping(event) { event in
                    try benchmark.run { event(.tandem(threads: count, fraction: $0)) }
                })
            event(.tandemFinished(threads: count))
        }
        var llama: [LlamaBenchFigures] = []
        var failure: String?
        if let llamaBench {
            event(.llamaBenchStarted)
            var run = LlamaBenchRun(executable: llamaBench, model: path)
            run.prefillTokens = prefillTokens
            run.passDepth = depth
            run.repetitions = repetitions
            do {
                llama = try run.run(threads: threadCounts)
            } catch {
                failure = String(describing: error)
                event(.llamaBenchFailed(failure ?? ""))
            }
        }
        return EngineComparison(
            model: (path as NSString).lastPathComponent, fileMb: ModelFileSize.megabytes(path),
            tandem: tandem, llamaCpp: llama, llamaCppError: failure)
    }
}
