import Foundation
import TandemGGUF
import TandemSampling
import Testing

@testable import TandemModel

/// Logits against llama.cpp's reference outputs (Fixtures/*.json, copied from the oracle).
///
/// Criteria (from the oracle README), per file:
/// - A, F32 files: max |Δ| to `exact_next_logits` ≤ 1e-3.
/// - B, every other file: max |Δ| to `exact_next_logits` ≤ 1.5 × `llamacpp_vs_exact_max_abs` + 1e-3.
///   (F16/BF16: the engine does not round activations to F16/BF16 as llama.cpp does, so it is
///   within ~1e-5 of exact.)
/// - C, in addition, for the files where the kernels quantize activations exactly like llama.cpp
///   (Q8_0/Q8_K) *and* llama.cpp's batched prompt path agrees: max |Δ| to `next_logits` ≤ 0.05.
///   For Q4_0/Q5_0/Q8_0 llama files (and the Q4_K_M mix) llama.cpp's batched prompt path can differ
///   from its single-token path (ours matches the latter to ~1e-6), so only B applies there.
/// Every quantized file's one-token prompt is held to C too (single-token passes match llama.cpp).
/// Argmax and greedy use the tolerance of the strongest criterion the case is held to: the argmax
/// equals the reference wherever its top-1 margin exceeds twice the tolerance, and the greedy
/// continuation equals `greedy_16` up to the first step whose margin is below twice the tolerance.
@Suite("llama.cpp oracle")
struct OracleTests {
    /// Files held to C at every prompt length. llama-s-q8_0 and llama-576-q4_k_m are not: their
    /// 23-token prompts have matched llama.cpp's batched path under some kernel versions and not
    /// under others (Q8_0 activation rounding ties), so only their one-token cases are held to C.
    static let criterionC: Set<String> = ["llama-s-q4_k.gguf", "llama-s-q6_k.gguf", "qwen2-s-q8_0.gguf"]
    static let llamaCppTolerance = 0.05

    static func exactTolerance(_ oracle: OracleFile) -> (value: Double, criterion: String) {
        if oracle.weights == "F32" { return (1e-3, "A: exact ≤ 1e-3") }
        let t = 1.5 * oracle.llamacpp_vs_exact_max_abs + 1e-3
        return (t, "B: exact ≤ 1.5×\(oracle.llamacpp_vs_exact_max_abs)+1e-3 = \(String(format: "%.4f", t))")
    }

    @Test("next-token logits, argmax and greedy continuation", arguments: Fixtures.oracleModels)
    func matchesReference(_ name: String) throws {
        let oracle = try Fixtures.oracle(name)
        let model = try Fixtures.model(name, threads: 2)
        let (exactTol, criterion) = Self.exactTolerance(oracle)
        let useC = Self.criterionC.contains(name)
        var worst = 0.0
        var worstVsLlama = 0.0
        var greedyChecked = 0
        var perCase: [String] = []
        for (caseIndex, c) in oracle.cases.enumerated() {
            let session = model.makeSession()
            let logits = try session.append(c.prompt_ids, logits: .last).logits[0]
            let delta = maxAbsDiff(logits, c.exact_next_logits)
            let deltaLlama = maxAbsDiff(logits, c.next_logits)
            worst = max(worst, delta)
            worstVsLlama = max(worstVsLlama, deltaLlama)
            perCase.append(
                "k=\(c.prompt_ids.count): \(String(format: "%.2e", delta)) / \(String(format: "%.2e", deltaLlama))")
            #expect(delta <= exactTol, "\(name) case \(caseIndex): max |Δ| to exact \(delta) > \(exactTol)")
            if useC {
                #expect(
                    deltaLlama <= Self.llamaCppTolerance,
                    "\(name) case \(caseIndex): max |Δ| to llama.cpp \(deltaLlama) > 0.05")
            }
            // Single-token passes quantize activations exactly like llama.cpp for every quantized
            // file, so a one-token prompt (and its one-token decode steps) is held to C as well.
            let singleTokenC = !["F32", "F16", "BF16"].contains(oracle.weights) && c.prompt_ids.count == 1
            if singleTokenC {
                #expect(
                    deltaLlama <= Self.llamaCppTolerance,
                    "\(name) case \(caseIndex): single token, |Δ| to llama.cpp \(deltaLlama)")
            }
            let caseC = useC || singleTokenC

            // Argmax.
            if caseC {
                if topMargin(c.next_logits) > 2 * Self.llamaCppTolerance {
                    #expect(
                        Sampler.argmax(logits) == argmax(c.next_logits),
                        "\(name) case \(caseIndex): argmax vs llama.cpp")
                }
            } else if topMargin(c.exact_next_logits) > 2 * exactTol {
                #expect(
                    Sampler.argmax(logits) == argmax(c.exact_next_logits), "\(name) case \(caseIndex): argmax vs exact")
            }

            // Greedy continuation, one decode pass per step.
            let greedyTol = caseC ? Self.llamaCppTolerance : exactTol
            var next = logits
            for step in 0..<c.greedy_16.count {
                if c.greedy_top1_margin[step] < 2 * greedyTol { break }
                let token = Sampler.argmax(next)
                #expect(token == c.greedy_16[step], "\(name) case \(caseIndex): greedy step \(step)")
                if token != c.greedy_16[step] { break }
                greedyChecked += 1
                next = try session.append([token], logits: .last).logits[0]
            }
        }
        print(
            "ORACLE \(name): max|Δ| vs exact = \(String(format: "%.3e", worst)), vs llama.cpp = \(String(format: "%.3e", worstVsLlama)); "
                + "criterion \(criterion)\(useC ? " and C: llama.cpp ≤ 0.05" : ""); greedy steps checked: \(greedyChecked)/48; "
                + "per case (vs exact / vs llama.cpp): \(perCase.joined(separator: ", "))")
    }
}
