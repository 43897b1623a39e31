import Foundation
import Synchronization
import TandemClient
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemTokenizer
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemServer

/// Continuous batching on the server: many sessions at once get exactly their solo outputs, the
/// batcher never mixes results up, and the KV budget refuses cleanly.
@Suite("Batched serving (continuous batching, KV budget)", .serialized, .timeLimit(.minutes(5)))
struct BatchedServingTests {
    /// The batcher gives every submitter its own session's solo logits and counts every request once,
    /// whatever way the threads' requests were grouped into passes.
    @Test("concurrent submissions to a PassBatcher get their solo logits")
    func batcherDirect() throws {
        let (model, _) = try RealModels.load("qwen2-s-q8_0.gguf")
        let batcher = PassBatcher(model: model, maxPositions: 7)
        let seen = Mutex((passes: 0, requests: 0, positions: 0, largest: 0))
        batcher.addObserver { report in
            seen.withLock {
                $0.passes += 1
                $0.requests += report.sessions
                $0.positions += report.positions
                $0.largest = max($0.largest, report.positions)
            }
        }
        let vocab = model.config.vocabularySize
        let prompts = (0..<6).map { n in (0..<(2 + n * 3)).map { ($0 * 29 + n * 11 + 1) % vocab } }
        let windows = (0..<6).map { n in (0..<(1 + n % 4)).map { ($0 * 5 + n + 2) % vocab } }
        let solo = try prompts.indices.map { i -> [[Float]] in
            let s = model.makeSession()
            try s.append(prompts[i], logits: .none)
            return try s.append(windows[i], logits: .all).logits
        }
        let results = Mutex([[[Float]]?](repeating: nil, count: prompts.count))
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: prompts.count) { i in
            do {
                let s = model.makeSession()
                _ = try batcher.submit(s, tokens: prompts[i], logits: .none)
                let out = try batcher.submit(s, tokens: windows[i], logits: .all)
                results.withLock { $0[i] = out.output.logits }
            } catch {
                failures.withLock { $0.append("\(i): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let got = results.withLock { $0 }
        for i in prompts.indices {
            let rows = try #require(got[i])
            #expect(rows.count == solo[i].count)
            #expect(zip(rows, solo[i]).allSatisfy { $0.map(\.bitPattern) == $1.map(\.bitPattern) }, "session \(i)")
        }
        let totals = seen.withLock { $0 }
        #expect(totals.requests == 2 * prompts.count)
        #expect(totals.positions == prompts.joined().count + windows.joined().count)
        // A pass exceeds the cap only when one request alone does (the longest prompt).
        #expect(totals.largest <= max(7, prompts.map(\.count).max() ?? 0))
    }

    @Test("pass planning is fair: the oldest always goes, younger ones that fit follow, a session once")
    func planning() {
        final class Key {}
        let keys = (0..<6).map { _ in Key() }
        let ids = keys.map { ObjectIdentifier($0) }
        // A large window first: it runs (alone, over the cap); the small ones wait one pass.
        #expect(PassBatcher.plan(positions: [20, 1, 1], sessions: Array(ids[0..<3]), cap: 8) == [0])
        // The next pass takes the small ones; a too-large younger one waits, smaller ones behind it go.
        #expect(PassBatcher.plan(positions: [1, 1, 9, 5, 1], sessions: Array(ids[0..<5]), cap: 8) == [0, 1, 3, 4])
        // The skipped request is now the oldest: it goes first in the pass after.
        #expect(PassBatcher.plan(positions: [9, 1], sessions: [ids[2], ids[5]], cap: 8) == [0])
        // One session's second request never shares a pass with its first.
        #expect(PassBatcher.plan(positions: [1, 1, 1], sessions: [ids[0], ids[0], ids[1]], cap: 8) == [0, 2])
        #expect(PassBatcher.plan(positions: [], sessions: [], cap: 8).isEmpty)
        withExtendedLifetime(keys) {}
    }

    @Test("assisted and cloud-only sessions at once on a batched server equal the target's greedy output")
    func concurrentSessions() async throws {
        let (target, tokenizer) = try RealModels.load("llama-s-f16.gguf")
        let (draft, draftTokenizer) = try RealModels.load("llama-s-q8_0.gguf")
        let prompts = [[464, 329], tokenizer.encode("Once upon a time"), [1], [7, 8, 9, 10, 11]]
        var expected: [[Int]] = []
        for prompt in prompts { expected.append(try await RealModels.targetGreedy(target, prompt: prompt, count: 32)) }
        let model = try TargetModel(
            model: target, id: "llama-s-f16", tokenizer: tokenizer, serving: EngineServing(maxBatchPositions: 12))
        // A serving target keeps its tokenizer, so the same server also answers the OpenAI endpoints.
        #expect(model.tokenizer?.fingerprint == tokenizer.fingerprint)
        let outputs = try await withServer(model: model, limits: ServerLimits(maxSessions: 16)) { server in
            let url = server.assistURL
            let fingerprint = tokenizer.fingerprint
            let results = try await withThrowingTaskGroup(of: (String, Int, [Int]).self) { group in
                for (i, prompt) in prompts.enumerated() {
                    group.addTask {
                        let client = AssistedClient(
                            draft: draft, draftName: "llama-s-q8_0", tokenizer: draftTokenizer,
                            server: url, policy: FixedWindow(1 + i), timeout: .seconds(60))
                        let (result, _) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 32))
                        return ("assisted", i, result.tokens)
                    }
                    group.addTask {
                        let result = try await CloudOnlyGenerator(
                            url: url, fingerprint: fingerprint, timeout: .seconds(60)
                        )
                        .run(SessionRequest(prompt: prompt, maxTokens: 32))
                        return ("cloud", i, result.tokens)
                    }
                }
                var all: [(String, Int, [Int])] = []
                for try await r in group { all.append(r) }
                return all
            }
            let (status, metrics) = try await httpGet(server.httpURL + "/metrics")
            #expect(status == 200)
            #expect(metrics.contains("tandem_batch_sessions_count"))
            #expect(metrics.contains("tandem_batch_positions_bucket"))
            #expect(metrics.contains("tandem_pass_seconds"))
            #expect(metrics.contains("tandem_batch_queue_seconds"))
            return results
        }
        #expect(outputs.count == 2 * prompts.count)
        for (mode, i, tokens) in outputs {
            #expect(tokens == expected[i], "\(mode) session \(i)")
        }
    }

    @Test("verdicts carry the batch size of their pass")
    func verdictTimings() async throws {
        let (target, tokenizer) = try RealModels.load("llama-s-f16.gguf")
        let model = try TargetModel(model: target, id: "t", tokenizer: tokenizer, serving: .standard)
        try await withServer(model: model) { server in
            let raw = try await RawConnection.connect(server)
            guard case .opened = try await raw.send(openMessage([1, 2, 3], fingerprint: tokenizer.fingerprint)) else {
                Issue.record("open failed")
                return
            }
            guard case .verdict(let v) = try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [4, 5])))
            else {
                Issue.record("verify failed")
                return
            }
            // Alone on the server: one session, the round's 3 positions.
            #expect(v.timings.batchSessions == 1 && v.timings.batchPositions == 3)
            #expect(v.timings.queueMs >= 0 && v.timings.computeMs >= 0)
            await raw.close()
        }
    }

    @Test("a KV budget admits sessions while their pages fit and answers kv_budget beyond; closing frees")
    func kvBudget() async throws {
        let (target, tokenizer) = try RealModels.load("llama-s-f16.gguf")
        let probe = target.makeSession()
        try probe.append([1], logits: .none)
        let page = probe.kvBytes
        let fits = (1 << 20) / page
        try #require(fits >= 1 && fits < 30, "one page is \(page) bytes")
        let model = try TargetModel(
            model: target, id: "t", tokenizer: tokenizer, serving: EngineServing(kvBudgetMB: 1))
        try await withServer(model: model, limits: ServerLimits(maxSessions: 64)) { server in
            var open: [RawConnection] = []
            for _ in 0..<fits {
                let raw = try await RawConnection.connect(server)
                guard case .opened = try await raw.send(openMessage([1, 2, 3], fingerprint: tokenizer.fingerprint))
                else {
                    Issue.record("open \(open.count) refused within the budget")
                    return
                }
                open.append(raw)
            }
            let extra = try await RawConnection.connect(server)
            guard case .error(let e) = try await extra.send(openMessage([1, 2, 3], fingerprint: tokenizer.fingerprint))
            else {
                Issue.record("open beyond the budget was not refused")
                return
            }
            #expect(e.code == .kvBudget, "\(e.message)")
            // The sessions within the budget keep working.
            guard case .verdict = try await open[0].send(.verify(VerifyMessage(round: 1, base: 3, drafts: [4])))
            else {
                Issue.record("verify within the budget failed")
                return
            }
            // Closing one frees its pages (asynchronously): the refused client gets in on a retry.
            await open.removeLast().close()
            var admitted = false
            for _ in 0..<200 where !admitted {
                if case .opened = try await extra.send(openMessage([1, 2, 3], fingerprint: tokenizer.fingerprint)) {
                    admitted = true
                } else {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(admitted)
            for raw in open { await raw.close() }
            await extra.close()
        }
    }
}
