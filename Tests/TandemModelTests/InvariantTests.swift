import Foundation
import TandemGGUF
import TandemKernels
import Testing

@testable import TandemModel

/// Properties the speculative-decoding protocol relies on: a multi-position pass must give
/// exactly (bit for bit) what one-token-at-a-time decoding gives, whatever the pool size, and
/// truncation must leave no trace.
@Suite("forward-pass invariants")
struct InvariantTests {
    static let files = ["llama-s-f32.gguf", "qwen2-s-f32.gguf", "llama-576-q4_k_m.gguf", "llama-s-q4_k.gguf"]
    static let prompt = [
        464, 329, 318, 257, 133, 13, 198, 40, 110, 17, 5, 511, 0, 99, 100, 101, 7, 7, 7, 256, 300, 512, 1,
    ]

    @Test("one multi-position append == sequential single-token appends (pools of 1 and 2)", arguments: files)
    func batchEqualsSequential(_ name: String) throws {
        var reference: [[Float]]? = nil
        for threads in [1, 2] {
            let model = try Fixtures.model(name, threads: threads)
            let batched = try model.makeSession().append(Self.prompt, logits: .all).logits
            #expect(batched.count == Self.prompt.count)

            let sequential = model.makeSession()
            var rows: [[Float]] = []
            for token in Self.prompt {
                rows.append(try sequential.append([token], logits: .last).logits[0])
            }
            #expect(mismatch(rows, batched) == nil, "\(name), \(threads) threads: batched ≠ sequential")

            // Uneven chunks, as verification windows arrive.
            let chunked = model.makeSession()
            var chunkRows: [[Float]] = []
            var start = 0
            for size in [3, 1, 5, 2, 8, 4] {
                let end = min(start + size, Self.prompt.count)
                chunkRows += try chunked.append(Array(Self.prompt[start..<end]), logits: .all).logits
                start = end
            }
            #expect(mismatch(chunkRows, batched) == nil, "\(name), \(threads) threads: chunked ≠ batched")

            if let reference {
                #expect(mismatch(reference, batched) == nil, "\(name): 1 thread ≠ 2 threads")
            }
            reference = batched
        }
    }

    @Test("truncate then append == fresh session", arguments: files)
    func truncateEqualsFresh(_ name: String) throws {
        let model = try Fixtures.model(name, threads: 2)
        let session = model.makeSession()
        try session.append(Self.prompt, logits: .none)
        try session.truncate(to: 9)
        #expect(session.count == 9)
        #expect(session.tokens == Array(Self.prompt[0..<9]))
        let tail = [11, 22, 33, 44, 55]
        let after = try session.append(tail, logits: .all).logits

        let fresh = try model.makeSession().append(Array(Self.prompt[0..<9]) + tail, logits: .all).logits
        #expect(mismatch(after, Array(fresh[9...])) == nil)

        // Reset is a truncate to zero.
        session.reset()
        #expect(session.count == 0)
        let again = try session.append(Array(Self.prompt[0..<9]) + tail, logits: .all).logits
        #expect(mismatch(again, fresh) == nil)
    }

    @Test(
        "logits .last is the last row of .all; .none returns nothing",
        arguments: ["llama-s-f32.gguf", "qwen2-s-q8_0.gguf"])
    func logitsRequests(_ name: String) throws {
        let model = try Fixtures.model(name)
        let all = try model.makeSession().append(Self.prompt, logits: .all).logits
        let last = try model.makeSession().append(Self.prompt, logits: .last).logits
        #expect(mismatch(last, [all.last!]) == nil)
        let none = try model.makeSession().append(Self.prompt, logits: .none)
        #expect(none.logits.isEmpty)
        #expect(none.earlyExitLogits == nil)
        #expect(all.allSatisfy { $0.count == model.config.vocabularySize })
    }

    @Test(
        "early exit at the last layer == normal logits (no trained head)",
        arguments: ["llama-s-f32.gguf", "qwen2-s-q8_0.gguf", "llama-576-q4_k_m.gguf"])
    func earlyExitAtLastLayer(_ name: String) throws {
        let model = try Fixtures.model(name, threads: 2)
        #expect(model.config.earlyExitLayer == nil)
        let out = try model.makeSession().append(Self.prompt, logits: .all, earlyExitLayer: model.config.layerCount)
        #expect(mismatch(out.earlyExitLogits, out.logits) == nil)
        let lastOnly = try model.makeSession().append(Self.prompt, logits: .last, earlyExitLayer: 1)
        #expect(lastOnly.earlyExitLogits?.count == 1)
        #expect(mismatch(lastOnly.earlyExitLogits, lastOnly.logits) != nil)
    }

    /// A trained exit head at layer 1 must give exactly what a one-block model whose final norm
    /// (and output) is that head gives.
    @Test("trained early-exit head reads the state after L blocks", arguments: [false, true])
    func trainedEarlyExit(ownOutput: Bool) throws {
        let source = try Fixtures.file("llama-s-f32.gguf")
        let e = 256
        let exitNorm = (0..<e).map { Float(1) + Float($0 % 7) * 0.05 }
        var rewrite = GGUFRewrite()
        rewrite.metadata["tandem.early_exit.layer"] = .uint32(1)
        rewrite.extraTensors.append(("early_exit.output_norm.weight", .f32, [e], floatBytes(exitNorm)))
        var ownHead: [UInt8] = []
        if ownOutput {
            let embd = source.tensorInfo(named: "token_embd.weight")!
            // A different head: the embedding rows scaled by 0.5.
            let values = try Quantizer.dequantize(
                source.tensor(named: "token_embd.weight").bytes, as: embd.type, count: embd.elementCount)
            ownHead = floatBytes(values.map { $0 * 0.5 })
            rewrite.extraTensors.append(("early_exit.output.weight", .f32, embd.dims, ownHead))
        }
        let withExit = try Model(file: rewrite.apply(to: source), threads: 2)
        #expect(withExit.config.earlyExitLayer == 1)

        // The same model cut to its first block, with the exit norm as final norm.
        var cut = GGUFRewrite()
        cut.metadata["llama.block_count"] = .uint32(1)
        cut.dropTensors = Set(source.tensors.map(\.name).filter { $0.hasPrefix("blk.1.") })
        cut.dropTensors.insert("output_norm.weight")
        cut.extraTensors.append(("output_norm.weight", .f32, [e], floatBytes(exitNorm)))
        if ownOutput {
            cut.extraTensors.append(
                ("output.weight", .f32, source.tensorInfo(named: "token_embd.weight")!.dims, ownHead))
        }
        let oneBlock = try Model(file: cut.apply(to: source), threads: 1)

        let out = try withExit.makeSession().append(Self.prompt, logits: .all, earlyExitLayer: 1)
        let expected = try oneBlock.makeSession().append(Self.prompt, logits: .all).logits
        #expect(mismatch(out.earlyExitLogits, expected) == nil)
        // The normal logits are untouched by the exit head.
        let plain = try Fixtures.model("llama-s-f32.gguf").makeSession().append(Self.prompt, logits: .all).logits
        #expect(mismatch(out.logits, plain) == nil)
        // Asking for the last layer on a model with a trained head at layer 1 uses the model's own head.
        let last = try withExit.makeSession().append(Self.prompt, logits: .all, earlyExitLayer: 2)
        #expect(mismatch(last.earlyExitLogits, plain) == nil)
    }

    @Test("KV cache grows in chunks across the chunk boundary")
    func cacheGrowth() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf", threads: 2)
        let session = model.makeSession()
        #expect(session.capacity == 0)
        try session.append([1, 2, 3], logits: .none)
        #expect(session.capacity == ModelSession.cacheChunk)
        let tokens = (0..<(ModelSession.cacheChunk + 10)).map { ($0 * 37) % model.config.vocabularySize }
        let big = model.makeSession()
        let batched = try big.append(tokens, logits: .last).logits
        #expect(big.capacity >= tokens.count)
        let grown = model.makeSession()
        try grown.append(Array(tokens[0..<(ModelSession.cacheChunk - 2)]), logits: .none)
        let rest = try grown.append(Array(tokens[(ModelSession.cacheChunk - 2)...]), logits: .last).logits
        #expect(mismatch(rest, batched) == nil)
    }

    /// Sessions of one model used from several tasks at once: passes are serialised by the
    /// model, and each session's results are those it gets alone.
    @Test("concurrent sessions of one model give their solo results")
    func concurrentSessions() async throws {
        let model = try Fixtures.model("qwen2-s-q8_0.gguf", threads: 2)
        let prompts = (0..<4).map { n in (0..<9).map { ($0 * 31 + n * 7) % 513 } }
        let solo = try prompts.map { try model.makeSession().append($0, logits: .all).logits }
        let together = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (i, prompt) in prompts.enumerated() {
                group.addTask {
                    let session = model.makeSession()
                    var rows: [[Float]] = []
                    for chunk in [prompt[0..<4], prompt[4..<5], prompt[5...]] {
                        rows += try session.append(Array(chunk), logits: .all).logits
                    }
                    return (i, rows)
                }
            }
            var out = [[[Float]]](repeating: [], count: prompts.count)
            for try await (i, rows) in group { out[i] = rows }
            return out
        }
        for i in prompts.indices {
            #expect(mismatch(together[i], solo[i]) == nil, "prompt \(i)")
        }
    }

    /// Copy-on-write guard: a pass must write the KV cache in place (a copy per pass would make
    /// decoding O(context) in memory traffic per token).
    @Test("passes write the KV cache in place")
    func cacheWrittenInPlace() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf")
        let session = model.makeSession()
        try session.append([1, 2, 3], logits: .none)
        let before = (0..<model.config.layerCount).map { session.cacheAddresses(layer: $0) }
        // Checked after every pass: two copies in a row could land back on the first address.
        func check(_ when: String) {
            for l in before.indices {
                let now = session.cacheAddresses(layer: l)
                #expect(before[l].keys == now.keys && before[l].values == now.values, "layer \(l) cache moved \(when)")
            }
        }
        for token in [4, 5, 6, 7] {
            try session.append([token], logits: .last)
            check("after appending \(token)")
        }
        try session.truncate(to: 2)
        try session.append([9, 10, 11], logits: .all, earlyExitLayer: 1)
        check("after truncate + append")
    }
}
