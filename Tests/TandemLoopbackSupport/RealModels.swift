import Foundation
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

/// The engine's fixture models: llama-s-f16 as target, llama-s-q8_0 as draft (same 513-token tokenizer,
/// different weights), qwen2-s-q8_0 as a draft with another tokenizer.
package enum RealModels {
    /// The fixture folder is missing from the test bundle.
    package struct MissingFixtures: Error {}

    package static func path(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw MissingFixtures() }
        return url.appendingPathComponent(name).path
    }

    package static func load(_ name: String) throws -> (Model, Tokenizer) {
        let model = try Model(path: try path(name), threads: 1)
        return (model, try Tokenizer(gguf: model.file))
    }

    /// The target's own greedy run, in-process (the reference).
    package static func targetGreedy(_ model: Model, prompt: [Int], count: Int) async throws -> [Int] {
        let verifier = InProcessVerifier(session: model.makeSession(), shaper: SamplingDistribution.factory)
        return try await TargetOnlyGenerator(verifier: verifier).run(SessionRequest(prompt: prompt, maxTokens: count))
            .tokens
    }
}
