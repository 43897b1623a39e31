import Foundation
import Testing
import TandemGGUF
@testable import TandemModel

/// Logits against llama.cpp's reference outputs (Fixtures/*.json, from the oracle).
///
/// Criterion per file (the engine computes in F32 over dequantized weights and does NOT quantize
/// activations the way llama.cpp does, so it is judged against the exact float64 answer):
/// - F32 files: max |Δ| to `exact_next_logits` ≤ 1e-3.
/// - every other file: max |Δ| to `exact_next_logits` ≤ 1.5 × `llamacpp_vs_exact_max_abs` + 1e-3.
/// Then: the argmax equals the exact reference wherever its top-1 margin exceeds twice that
/// tolerance, and the greedy continuation equals llama.cpp's `greedy_16` up to the first step
/// whose margin is below twice the tolerance.
@Suite("llama.cpp oracle")
struct OracleTests {
    static func tolerance(_ oracle: OracleFile) -> (value: Double, criterion: String) {
        if oracle.weights == "F32" { return (1e-3, "exact ≤ 1e-3 (F32)") }
        let t = 1.5 * oracle.llamacpp_vs_exact_max_abs + 1e-3
        return (t, "exact ≤ 1.5×\(oracle.llamacpp_vs_exact_max_abs)+1e-3 = \(t)")
    }

    @Test("next-token logits, argmax and greedy continuation", arguments: Fixtures.oracleModels)
    func matchesReference(_ name: String) throws {
        let oracle = try Fixtures.oracle(name)
        let model = try Fixtures.model(name, threads: 2)
        let (tol, criterion) = Self.tolerance(oracle)
        var worst = 0.0
        var worstVsLlama = 0.0
        var greedyChecked = 0
        for (caseIndex, c) in oracle.cases.enumerated() {
            let session = model.makeSession()
            let logits = try session.append(c.prompt_ids, logits: .last).logits[0]
            let delta = maxAbsDiff(logits, c.exact_next_logits)
            worst = max(worst, delta)
            worstVsLlama = max(worstVsLlama, maxAbsDiff(logits, c.next_logits))
            #expect(delta <= tol, "\(name) case \(caseIndex): max |Δ| \(delta) > \(tol)")

            if topMargin(c.exact_next_logits) > 2 * tol {
                #expect(Sampler.argmax(logits) == argmax(c.exact_next_logits), "\(name) case \(caseIndex): argmax")
            }

            // Greedy continuation, one decode pass per step.
            var next = logits
            for step in 0..<c.greedy_16.count {
                if c.greedy_top1_margin[step] < 2 * tol { break }
                let token = Sampler.argmax(next)
                #expect(token == c.greedy_16[step], "\(name) case \(caseIndex): greedy step \(step)")
                if token != c.greedy_16[step] { break }
                greedyChecked += 1
                next = try session.append([token], logits: .last).logits[0]
            }
        }
        print("ORACLE \(name): max|Δ| vs exact = \(worst), vs llama.cpp = \(worstVsLlama); criterion: \(criterion); greedy steps checked: \(greedyChecked)")
    }
}
