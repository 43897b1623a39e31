/// Named hardware for the "modelled" latency of `tandem bench assist`: what a generation's measured
/// counts (rounds, drafts, positions, tokens) would cost on a real cloud GPU and a real edge device,
/// instead of on the CPU the benchmark ran on (where the "cloud" is no faster than the client).
///
/// A target pass over p positions costs `passBaseSeconds + passSecondsPerPosition · (p − 1)`; a prompt
/// of n tokens costs `prefillBaseSeconds + prefillSecondsPerToken · n`; each draft token costs
/// `draftSecondsPerToken` on the client.
public struct CloudProfile: Sendable, Hashable, CustomStringConvertible {
    /// The name on the command line (`--cloud-profile`).
    public var name: String
    /// One line for reports: which hardware and model each side stands for.
    public var summary: String
    /// Seconds of a one-position target pass (a decode step).
    public var passBaseSeconds: Double
    /// Extra seconds for each further position in the same pass (verifying a window).
    public var passSecondsPerPosition: Double
    /// Fixed seconds of a prefill pass.
    public var prefillBaseSeconds: Double
    /// Seconds per prompt token of a prefill pass.
    public var prefillSecondsPerToken: Double
    /// Seconds to draft one token on the client.
    public var draftSecondsPerToken: Double
    /// Where each figure comes from (published source or "assumed"), for the report.
    public var sources: [String]

    public init(
        name: String, summary: String, passBaseSeconds: Double, passSecondsPerPosition: Double,
        prefillBaseSeconds: Double, prefillSecondsPerToken: Double, draftSecondsPerToken: Double,
        sources: [String] = []
    ) {
        self.name = name
        self.summary = summary
        self.passBaseSeconds = passBaseSeconds
        self.passSecondsPerPosition = passSecondsPerPosition
        self.prefillBaseSeconds = prefillBaseSeconds
        self.prefillSecondsPerToken = prefillSecondsPerToken
        self.draftSecondsPerToken = draftSecondsPerToken
        self.sources = sources
    }

    /// Seconds of one target pass over `positions` positions (at least one).
    public func passSeconds(positions: Int) -> Double {
        passBaseSeconds + passSecondsPerPosition * Double(max(positions, 1) - 1)
    }

    /// Seconds of prefilling a prompt of `tokens` tokens.
    public func prefillSeconds(tokens: Int) -> Double {
        prefillBaseSeconds + prefillSecondsPerToken * Double(max(tokens, 0))
    }

    public var description: String { name }

    /// Llama-2-7B in fp16 on one A100 as the target, a ~68M-parameter draft on a Jetson Orin Nano as
    /// the client.
    ///
    /// - Decode pass, 33 ms: the ML.ENERGY leaderboard (huggingface.co/spaces/ml-energy/leaderboard,
    ///   `leaderboard_1.csv`) measured lmsys/vicuna-7B — Llama architecture, 7B, fp16, Hugging Face
    ///   generation on an A100 — at 30.1 tokens/s, i.e. 33 ms per token.
    /// - Per extra position, 0.4 ms (assumed): a 7B decode pass on an A100 is bound by reading its
    ///   13.5 GB of weights (2 TB/s → ≥ 6.7 ms); a few more positions add arithmetic the GPU has to
    ///   spare, which is the premise of SpecInfer's and Medusa's tree verification. 0.4 ms per position
    ///   is an assumption, not a measurement.
    /// - Prefill, 20 ms + 0.1 ms per token (assumed): ≈ 14 GFLOP per token for 7B at about half of the
    ///   A100's 312 TFLOPS fp16.
    /// - Draft, 5 ms per token (assumed, scaled from a measurement): SmolLM2-135M decodes at 165 tokens/s
    ///   (6.1 ms/token) on a Jetson Orin Nano Super at 25 W with llama.cpp CUDA (smolhub.com, "Tiny LLM
    ///   Benchmark: Jetson Orin Nano Super 8GB"); a 68M model (SpecInfer's LLaMA-68M) reads half the
    ///   weights but pays the same per-step launch overhead, hence 5 ms rather than 3.
    public static let a100Jetson = CloudProfile(
        name: "a100-jetson",
        summary: "target Llama-2-7B fp16 on an A100 (pass 33 ms + 0.4 ms per extra position); "
            + "draft ~68M on a Jetson Orin Nano (5 ms per token)",
        passBaseSeconds: 0.033, passSecondsPerPosition: 0.0004,
        prefillBaseSeconds: 0.020, prefillSecondsPerToken: 0.0001,
        draftSecondsPerToken: 0.005,
        sources: [
            "A100 decode pass 33 ms: ML.ENERGY leaderboard, lmsys/vicuna-7B (Llama 7B fp16) at 30.1 tokens/s on an A100",
            "extra position 0.4 ms per pass: assumed (a 7B decode pass is weight-bandwidth-bound; more positions add spare arithmetic)",
            "prefill 20 ms + 0.1 ms per prompt token: assumed (≈ 14 GFLOP/token at half of 312 TFLOPS)",
            "draft 5 ms per token: assumed, from SmolLM2-135M at 165 tokens/s (6.1 ms) on a Jetson Orin Nano Super (llama.cpp CUDA, 25 W)",
        ])

    /// Every named profile.
    public static let all = [a100Jetson]

    /// The profile called `name` (case-insensitive); nil for `none` or an unknown name.
    public static func named(_ name: String) -> CloudProfile? {
        all.first { $0.name == name.lowercased() }
    }
}
