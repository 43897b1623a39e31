import Foundation
import TandemGGUF
import TandemKernels
import Testing

@testable import TandemModel

/// The final-norm hidden states a pass hands out (what a learned router reads).
@Suite("hidden states")
struct HiddenStateTests {
    static let prompt = [464, 329, 318, 257, 133, 13, 198, 40, 110, 17]

    @Test("one row per logits row, embeddingLength wide, finite", arguments: ["llama-s-f32.gguf", "qwen2-s-f32.gguf"])
    func shape(_ name: String) throws {
        let model = try Fixtures.model(name)
        let all = try model.makeSession().append(Self.prompt, logits: .all)
        #expect(all.hiddenStates.count == Self.prompt.count)
        #expect(all.hiddenStates.allSatisfy { $0.count == model.config.embeddingLength })
        #expect(all.hiddenStates.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(Set(all.hiddenStates.map { $0.map(\.bitPattern) }).count == Self.prompt.count, "rows differ")
        let last = try model.makeSession().append(Self.prompt, logits: .last)
        #expect(last.hiddenStates == [all.hiddenStates[Self.prompt.count - 1]])
        #expect(try model.makeSession().append(Self.prompt, logits: .none).hiddenStates.isEmpty)
    }

    @Test("bit-identical whether the positions come in one pass or one at a time")
    func passShapeIndependent() throws {
        let model = try Fixtures.model("llama-s-f32.gguf", threads: 2)
        let batched = try model.makeSession().append(Self.prompt, logits: .all).hiddenStates
        let session = model.makeSession()
        var sequential: [[Float]] = []
        for token in Self.prompt { sequential += try session.append([token], logits: .last).hiddenStates }
        #expect(sequential.map { $0.map(\.bitPattern) } == batched.map { $0.map(\.bitPattern) })
    }

    @Test("the logits are the output head applied to the hidden state (f32 model: a dot product per token)")
    func logitsFromHidden() throws {
        let model = try Fixtures.model("llama-s-f32.gguf")
        let out = try model.makeSession().append(Self.prompt, logits: .last)
        let hidden = try #require(out.hiddenStates.first)
        let logits = try #require(out.logits.first)
        // The model's output rows, read back from the file, dotted with the hidden state.
        let file = try Fixtures.file("llama-s-f32.gguf")
        let name = file.tensorInfo(named: "output.weight") != nil ? "output.weight" : "token_embd.weight"
        let info = try #require(file.tensorInfo(named: name))
        let rows = try Quantizer.dequantize(file.tensor(named: name).bytes, as: info.type, count: info.elementCount)
        let width = hidden.count
        for token in [0, 1, 17, logits.count - 1] {
            var dot: Double = 0
            for i in 0..<width { dot += Double(rows[token * width + i]) * Double(hidden[i]) }
            #expect(abs(dot - Double(logits[token])) < 1e-3 * max(1, abs(dot)), "token \(token)")
        }
    }
}
