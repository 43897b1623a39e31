import Foundation
import Logging
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTestSupport
import TandemTokenizer
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemClient

/// Early-exit preemptive drafting over a real loopback socket: the provisional frame leaves the server
/// mid-pass and arrives before the verdict, only for sessions that asked for it, and the output stays
/// exactly the target's.
@Suite("Preemptive drafting over a loopback server", .serialized, .timeLimit(.minutes(5)))
struct PreemptiveLoopbackTests {
    static let exactTarget = Toys.target.withEarlyExit(Toys.target)
    static let wrongTarget = Toys.target.withEarlyExit(ToyModel.perturbed(Toys.target, disagreement: 1, seed: 5))

    /// The bundled pair (the target has a trained exit head at layer 2 of 4).
    static func bundled() throws -> (target: Model, draft: Model, tokenizer: Tokenizer) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let target = try Model(path: root.appendingPathComponent("Models/target.gguf").path, threads: 1)
        let draft = try Model(path: root.appendingPathComponent("Models/draft.gguf").path, threads: 1)
        return (target, draft, try Tokenizer(gguf: target.file))
    }

    static func policy(_ name: String) -> any WindowPolicy {
        switch name {
        case "doubling": DoublingWindow()
        case "adaptive": CostModelWindow()
        default: FixedWindow(Int(name) ?? 1)
        }
    }

    /// Frames after one `verify` on a raw connection, with their arrival times, up to the verdict.
    static func framesOfOneRound(_ raw: RawConnection, drafts: [Int], base: Int) async throws
        -> [(message: WireMessage, at: ContinuousClock.Instant)]
    {
        try await raw.link.send(try raw.codec.encode(.verify(VerifyMessage(round: 1, base: base, drafts: drafts))))
        var frames: [(WireMessage, ContinuousClock.Instant)] = []
        while true {
            let message = try raw.codec.decode(try await raw.link.receive(timeout: .seconds(20)))
            frames.append((message, ContinuousClock.now))
            if case .provisional = message { continue }
            return frames
        }
    }

    @Test("the bundled target's provisional frame arrives before its verdict on a real socket")
    func provisionalBeforeVerdict() async throws {
        let (target, _, tokenizer) = try Self.bundled()
        let model = TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer)
        let prompt = tokenizer.encode("Return the")
        // The target's own next tokens as drafts, so the pass is a full window of 8.
        let reference = try await RealModels.targetGreedy(target, prompt: prompt, count: 8)
        try await withServer(model: model) { server in
            let raw = try await RawConnection.connect(server)
            let opened = try await raw.send(
                .open(
                    OpenMessage(
                        draftFingerprint: tokenizer.fingerprint, sampling: .greedy,
                        prompt: prompt, maxTokens: 32, stopTokens: [], preemptive: true)))
            guard case .opened = opened else {
                Issue.record("open failed: \(opened)")
                return
            }
            let frames = try await Self.framesOfOneRound(raw, drafts: reference, base: prompt.count)
            #expect(frames.count == 2, "one provisional, then the verdict")
            guard frames.count == 2, case .provisional(let p) = frames[0].message,
                case .verdict(let v) = frames[1].message
            else {
                Issue.record("unexpected frames: \(frames.map(\.message))")
                return
            }
            #expect(p.round == 1)
            #expect(p.accepted >= 0 && p.accepted <= reference.count)
            let provisionalMs = try #require(v.timings.provisionalMs)
            #expect(
                provisionalMs >= 0 && provisionalMs <= v.timings.computeMs, "the provisional is made inside the pass")
            let gap = frames[1].at - frames[0].at
            #expect(gap >= .zero)
            print(
                "provisional → verdict on the wire: \(gap) (server: provisional at \(provisionalMs) ms of a \(v.timings.computeMs) ms pass)"
            )
            await raw.close()
        }
    }

    @Test("without the opt-in the server sends verdicts only")
    func noOptInNoProvisional() async throws {
        try await withServer(model: Toys.targetModel(Self.exactTarget)) { server in
            for preemptive in [nil, false] as [Bool?] {
                let raw = try await RawConnection.connect(server)
                guard case .opened = try await raw.send(openMessage([1, 2, 3], preemptive: preemptive)) else {
                    Issue.record("open failed")
                    return
                }
                let frames = try await Self.framesOfOneRound(raw, drafts: [4, 5], base: 3)
                #expect(frames.count == 1)
                guard case .verdict(let v) = frames.first?.message else {
                    Issue.record("expected a verdict first, got \(frames.map(\.message))")
                    return
                }
                #expect(v.timings.provisionalMs == nil)
                await raw.close()
            }
            // With it, the same toy target sends one.
            let raw = try await RawConnection.connect(server)
            _ = try await raw.send(openMessage([1, 2, 3], preemptive: true))
            let frames = try await Self.framesOfOneRound(raw, drafts: [4, 5], base: 3)
            #expect(frames.count == 2)
            await raw.close()
        }
    }

    @Test("a forced provisional miss over the socket still gives the target's output")
    func forcedMissOverTheSocket() async throws {
        let prompt = [1, 5, 9]
        let expected = Toys.target.greedy(prompt: prompt, count: 40)
        for (name, target) in [("exact", Self.exactTarget), ("wrong", Self.wrongTarget)] {
            let result = try await withServer(model: Toys.targetModel(target)) { server in
                let client = toyClient(server, policy: FixedWindow(4), preemptive: true)
                var streamed: [Int] = []
                var final: GenerationResult?
                for try await event in client.generate(SessionRequest(prompt: prompt, maxTokens: 40)) {
                    switch event {
                    case .token(let id, _): streamed.append(id)
                    case .finished(let result, _): final = result
                    }
                }
                let result = try #require(final)
                #expect(streamed == result.tokens)
                return result
            }
            #expect(result.tokens == expected, "\(name)")
            let s = result.counters
            #expect(s.preemptiveRounds > 0, "\(name)")
            #expect(result.counters.provisionals == s.rounds, "\(name): every round got its provisional frame")
            if name == "exact" {
                #expect(s.preemptiveHits == s.preemptiveRounds)
            } else {
                #expect(s.preemptiveHits == 0)
                #expect(s.preemptiveWastedDrafts > 0)
            }
        }
    }

    @Test("bundled pair: greedy output with preemption ≡ without ≡ the target's, at every window")
    func bundledPairEveryWindow() async throws {
        let (target, draft, tokenizer) = try Self.bundled()
        let prompts = ["Return the", "This module provides"].map { tokenizer.encode($0) }
        for (label, model) in [
            ("trained exit head", TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer)),
            (
                "exit at the last layer",
                try TargetModel(
                    model: target, id: "target.gguf", tokenizer: tokenizer,
                    exitLayer: target.config.layerCount)
            ),
        ] {
            try await withServer(model: model) { server in
                for prompt in prompts {
                    let expected = try await RealModels.targetGreedy(target, prompt: prompt, count: 32)
                    for window in ["1", "2", "4", "8", "doubling", "adaptive"]
                    where label == "trained exit head" || window == "4" {
                        for preemptive in [false, true] {
                            let client = AssistedClient(
                                draft: draft, draftName: "draft.gguf", tokenizer: tokenizer,
                                server: server.assistURL, policy: Self.policy(window),
                                timeout: .seconds(30), preemptive: preemptive)
                            let (result, _) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 32))
                            #expect(result.tokens == expected, "\(label), window \(window), preemptive \(preemptive)")
                            let s = result.counters
                            if preemptive {
                                #expect(result.counters.provisionals == s.rounds, "\(label), window \(window)")
                                #expect(s.preemptiveRounds > 0, "\(label), window \(window)")
                                if label == "exit at the last layer" {
                                    // The last layer through the model's own head IS the verdict.
                                    #expect(s.preemptiveHits == s.preemptiveRounds)
                                }
                            } else {
                                #expect(result.counters.provisionals == 0)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("an exit layer outside the model is refused")
    func badExitLayer() throws {
        let (target, _, tokenizer) = try Self.bundled()
        for layer in [0, target.config.layerCount + 1] {
            #expect(throws: ModelError.self) {
                _ = try TargetModel(model: target, id: "t", tokenizer: tokenizer, exitLayer: layer)
            }
        }
    }
}
