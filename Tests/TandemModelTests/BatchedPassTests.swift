import Foundation
import TandemKernels
import Testing

@testable import TandemModel

/// `Model.forward(batch:)`: one pass over the new positions of several sessions gives every position
/// exactly (bit for bit) the logits it gets alone, whatever shares the pass.
@Suite("batched passes over several sessions")
struct BatchedPassTests {
    static let files = ["llama-s-q8_0.gguf", "qwen2-s-f32.gguf", "llama-576-q4_k_m.gguf", "llama-s-q4_k.gguf"]

    /// Prompts of different lengths (sessions at different positions) and the windows they verify.
    static func prompt(_ n: Int, length: Int, vocabulary: Int) -> [Int] {
        (0..<length).map { ($0 * 31 + n * 17 + 3) % vocabulary }
    }

    static func window(_ n: Int, size: Int, vocabulary: Int) -> [Int] {
        (0..<size).map { ($0 * 13 + n * 7 + 5) % vocabulary }
    }

    /// The solo reference: a fresh session appends the prompt, then the window alone.
    static func solo(_ model: Model, prompt: [Int], window: [Int], precision: KVPrecision = .f32) throws -> [[Float]] {
        let session = model.makeSession(kvPrecision: precision)
        try session.append(prompt, logits: .none)
        return try session.append(window, logits: .all).logits
    }

    @Test(
        "windows of sessions at different lengths, in every order and subset, match their solo logits", arguments: files
    )
    func compositions(_ name: String) throws {
        let model = try Fixtures.model(name, threads: 2)
        let vocab = model.config.vocabularySize
        let lengths = [1, 7, 3, 12]
        let sizes = [4, 1, 5, 2]
        let prompts = lengths.indices.map { Self.prompt($0, length: lengths[$0], vocabulary: vocab) }
        let windows = sizes.indices.map { Self.window($0, size: sizes[$0], vocabulary: vocab) }
        let reference = try prompts.indices.map { try Self.solo(model, prompt: prompts[$0], window: windows[$0]) }

        let compositions: [[Int]] = [[0], [3], [0, 1], [1, 0], [0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3], [1, 3]]
        for composition in compositions {
            let sessions = try composition.map { i -> ModelSession in
                let s = model.makeSession()
                try s.append(prompts[i], logits: .none)
                return s
            }
            let outputs = try model.forward(
                batch: composition.indices.map { BatchEntry(session: sessions[$0], tokens: windows[composition[$0]]) })
            #expect(outputs.count == composition.count)
            for (slot, i) in composition.enumerated() {
                #expect(mismatch(outputs[slot].logits, reference[i]) == nil, "\(name) \(composition): session \(i)")
                #expect(sessions[slot].count == prompts[i].count + windows[i].count)
                #expect(sessions[slot].tokens == prompts[i] + windows[i])
            }
        }
    }

    @Test("batched prefills and mixed logits requests match solo appends, with 1 and 3 threads")
    func prefillsAndRequests() throws {
        var first: [[[Float]]]? = nil
        for threads in [1, 3] {
            let model = try Fixtures.model("qwen2-s-q8_0.gguf", threads: threads)
            let vocab = model.config.vocabularySize
            let prompts = (0..<3).map { Self.prompt($0, length: [9, 2, 14][$0], vocabulary: vocab) }
            let requests: [LogitsRequest] = [.all, .last, .none]
            let solo = try prompts.indices.map { i in
                try model.makeSession().append(prompts[i], logits: requests[i]).logits
            }
            let sessions = prompts.map { _ in model.makeSession() }
            let outputs = try model.forward(
                batch: prompts.indices.map {
                    BatchEntry(session: sessions[$0], tokens: prompts[$0], logits: requests[$0])
                })
            for i in prompts.indices {
                #expect(mismatch(outputs[i].logits, solo[i]) == nil, "\(threads) threads, prompt \(i)")
                #expect(outputs[i].earlyExitLogits == nil)
            }
            #expect(outputs[0].logits.count == 9 && outputs[1].logits.count == 1 && outputs[2].logits.isEmpty)
            // Then a decode step of all three in one pass, against solo steps.
            let step = try model.forward(
                batch: sessions.indices.map { BatchEntry(session: sessions[$0], tokens: [$0 + 1]) })
            for i in prompts.indices {
                let alone = model.makeSession()
                try alone.append(prompts[i], logits: .none)
                #expect(mismatch(step[i].logits, try alone.append([i + 1], logits: .all).logits) == nil)
            }
            let all = outputs.map { $0.logits } + step.map { $0.logits }
            if let first { #expect(all.count == first.count && zip(all, first).allSatisfy { mismatch($0, $1) == nil }) }
            first = all
        }
    }

    @Test("a session crossing a cache page inside a batch matches its solo logits")
    func pageBoundary() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf", threads: 2)
        let vocab = model.config.vocabularySize
        let page = ModelSession.cacheChunk
        guard model.config.contextLength >= page + 8 else {
            Issue.record("fixture context \(model.config.contextLength) too short for a page boundary")
            return
        }
        let long = Self.prompt(0, length: page - 3, vocabulary: vocab)
        let short = Self.prompt(1, length: 5, vocabulary: vocab)
        let windows = [Self.window(0, size: 6, vocabulary: vocab), Self.window(1, size: 3, vocabulary: vocab)]
        let reference = [
            try Self.solo(model, prompt: long, window: windows[0]),
            try Self.solo(model, prompt: short, window: windows[1]),
        ]
        let a = model.makeSession()
        let b = model.makeSession()
        try a.append(long, logits: .none)
        try b.append(short, logits: .none)
        let out = try model.forward(batch: [
            BatchEntry(session: b, tokens: windows[1]), BatchEntry(session: a, tokens: windows[0]),
        ])
        #expect(mismatch(out[1].logits, reference[0]) == nil)
        #expect(mismatch(out[0].logits, reference[1]) == nil)
        #expect(a.capacity == 2 * page)
    }

    @Test("empty entries take no part; after a batch, sessions keep decoding alone exactly")
    func emptyEntriesAndContinuation() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf")
        let a = model.makeSession()
        let b = model.makeSession()
        try a.append([1, 2, 3], logits: .none)
        let out = try model.forward(batch: [
            BatchEntry(session: a, tokens: [4, 5]), BatchEntry(session: b, tokens: []),
        ])
        #expect(out[1].logits.isEmpty && b.count == 0 && a.count == 5)
        try a.truncate(to: 4)
        let again = try a.append([5], logits: .all).logits
        #expect(mismatch(again, [out[0].logits[1]]) == nil)
    }

    @Test("typed errors: foreign or repeated sessions, bad tokens, context overflow; nothing changes")
    func errors() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf")
        let other = try Fixtures.model("llama-s-q8_0.gguf")
        let a = model.makeSession()
        let b = model.makeSession()
        try a.append([1, 2], logits: .none)
        let vocab = model.config.vocabularySize
        let ctx = model.config.contextLength
        #expect(throws: ModelError.foreignSession) {
            try model.forward(batch: [
                BatchEntry(session: a, tokens: [3]), BatchEntry(session: other.makeSession(), tokens: [3]),
            ])
        }
        #expect(throws: ModelError.duplicateSession) {
            try model.forward(batch: [BatchEntry(session: a, tokens: [3]), BatchEntry(session: a, tokens: [4])])
        }
        #expect(throws: ModelError.tokenOutOfRange(token: vocab, vocabularySize: vocab)) {
            try model.forward(batch: [BatchEntry(session: a, tokens: [3]), BatchEntry(session: b, tokens: [1, vocab])])
        }
        #expect(throws: ModelError.contextOverflow(requested: ctx + 1, contextLength: ctx)) {
            try model.forward(batch: [
                BatchEntry(session: b, tokens: [3]),
                BatchEntry(session: a, tokens: Array(repeating: 1, count: ctx - 1)),
            ])
        }
        #expect(a.tokens == [1, 2] && b.count == 0)
        #expect(try model.forward(batch: []).isEmpty)
    }

    @Test("F16 caches: composition-invariant, mixed with F32 in one pass, close to F32")
    func f16Caches() throws {
        let model = try Fixtures.model("qwen2-s-f32.gguf", threads: 2)
        let vocab = model.config.vocabularySize
        let prompts = (0..<3).map { Self.prompt($0, length: [6, 11, 2][$0], vocabulary: vocab) }
        let windows = (0..<3).map { Self.window($0, size: [3, 1, 4][$0], vocabulary: vocab) }
        let precisions: [KVPrecision] = [.f16, .f32, .f16]
        let reference = try (0..<3).map {
            try Self.solo(model, prompt: prompts[$0], window: windows[$0], precision: precisions[$0])
        }
        let sessions = try (0..<3).map { i -> ModelSession in
            let s = model.makeSession(kvPrecision: precisions[i])
            try s.append(prompts[i], logits: .none)
            return s
        }
        #expect(sessions[0].kvPrecision == .f16 && sessions[0].kvBytes * 2 == sessions[1].kvBytes)
        let out = try model.forward(
            batch: (0..<3).reversed().map { BatchEntry(session: sessions[$0], tokens: windows[$0]) })
        for i in 0..<3 {
            #expect(mismatch(out[2 - i].logits, reference[i]) == nil, "session \(i) (\(precisions[i]))")
        }
        // F16 rounds keys and values once: close to F32, and not the same bits (else the option did nothing).
        let f32 = try Self.solo(model, prompt: prompts[0], window: windows[0], precision: .f32)
        var largest: Float = 0
        for (r, row) in f32.enumerated() {
            for (i, v) in row.enumerated() { largest = max(largest, abs(v - reference[0][r][i])) }
        }
        #expect(largest > 0 && largest < 0.05, "max |Δlogit| F16 vs F32: \(largest)")
    }

    @Test("a KV budget admits caches within it, refuses growth beyond it cleanly, and frees on release")
    func budget() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf")
        let probe = model.makeSession()
        try probe.append([1], logits: .none)
        let page = probe.kvBytes  // one page of positions
        let budget = KVBudget(limitBytes: 2 * page)
        var a: ModelSession? = model.makeSession(budget: budget)
        let b = model.makeSession(budget: budget)
        try a?.append([1, 2, 3], logits: .none)
        try b.append([4], logits: .none)
        #expect(budget.usedBytes == 2 * page)
        let c = model.makeSession(budget: budget)
        #expect(throws: ModelError.kvBudgetExceeded(requestedBytes: page, availableBytes: 0)) {
            try c.append([5], logits: .last)
        }
        // All or nothing in a batch: b has room in its page, c does not: neither changes.
        #expect(throws: ModelError.self) {
            try model.forward(batch: [BatchEntry(session: b, tokens: [6]), BatchEntry(session: c, tokens: [7])])
        }
        #expect(b.count == 1 && c.count == 0 && budget.usedBytes == 2 * page)
        a = nil
        #expect(budget.usedBytes == page)
        try c.append([5], logits: .last)
        #expect(budget.usedBytes == 2 * page && c.count == 1)
        // F16 pages cost half.
        let halfBudget = KVBudget(limitBytes: page / 2)
        try model.makeSession(kvPrecision: .f16, budget: halfBudget).append([1], logits: .none)
    }
}
