import ArgumentParser
import TandemKernels
import TandemServer

extension KVPrecision: ExpressibleByArgument {}

/// `tandem serve`'s engine options: continuous batching, the KV cache's precision and its budget.
struct ServeEngineOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most new positions one batched pass takes: rounds of different sessions arriving while a pass runs are verified together in the next (0: no batching, one pass at a time).",
            valueName: "N"))
    var maxBatchPositions = 64

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The longest a batched pass waits for the last pass's sessions to come back with their next round (at most half a pass).",
            valueName: "ms"))
    var batchLingerMs = 20.0

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How KV caches store keys and values (f32, or f16 at half the memory).", valueName: "f32|f16"))
    var kvCache: KVPrecision = .f32

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most MiB all sessions' KV caches may hold together; a session that would need more gets a kv_budget error.",
            valueName: "MB"))
    var kvBudgetMb: Int?

    func validate() throws {
        guard (0...65536).contains(maxBatchPositions) else {
            throw ValidationError("--max-batch-positions must be in 0…65536")
        }
        guard kvBudgetMb.map({ $0 >= 1 }) ?? true else { throw ValidationError("--kv-budget-mb must be ≥ 1") }
        guard (0...10000).contains(batchLingerMs) else { throw ValidationError("--batch-linger-ms must be in 0…10000") }
    }

    var serving: EngineServing {
        EngineServing(
            maxBatchPositions: maxBatchPositions, kvPrecision: kvCache, kvBudgetMB: kvBudgetMb,
            maxBatchLingerSeconds: batchLingerMs / 1000)
    }
}
