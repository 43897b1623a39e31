import Foundation
import TandemModel
import TandemSampling
import Testing

/// The bundled draft/target pair (Models/) against the training framework's own logits: a second,
/// independent check of the engine on real trained weights (see tools/train/README.md for the format).
@Suite struct BundledModelTests {
    struct Reference: Decodable {
        struct Entry: Decodable {
            let window_ids: [Int]
            let top20: [[Double]]
            let last_logits: [Double]
            let greedy_next_ids: [Int]
            let exit_layer: Int?
            let exit_top20: [[Double]]?
        }
        let tolerance: Double
        let models: [String: Entry]
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func reference() throws -> Reference {
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("bundled-reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    @Test(arguments: ["target.gguf", "draft.gguf"])
    func logitsMatchTheTrainingFramework(_ name: String) throws {
        let reference = try Self.reference()
        let entry = try #require(reference.models[name])
        let path = Self.repositoryRoot.appendingPathComponent("Models").appendingPathComponent(name).path
        let model = try Model(path: path, threads: 2)
        let session = model.makeSession()
        let output = try session.append(entry.window_ids, logits: .last, earlyExitLayer: entry.exit_layer)
        let logits = try #require(output.logits.last)

        let delta = maxAbsDiff(logits, entry.last_logits)
        #expect(delta <= reference.tolerance, "\(name): max |Δlogit| \(delta) > \(reference.tolerance)")
        #expect(Sampler.argmax(logits) == argmax(entry.last_logits))

        if let exitTop = entry.exit_top20, let exitLogits = output.earlyExitLogits?.last {
            for pair in exitTop {
                let id = Int(pair[0])
                #expect(abs(Double(exitLogits[id]) - pair[1]) <= reference.tolerance, "\(name) exit logit of \(id)")
            }
        } else {
            #expect(entry.exit_layer == nil, "\(name): the reference has an exit head but the engine returned none")
        }

        var greedy: [Int] = []
        var next = Sampler.argmax(logits)
        for _ in entry.greedy_next_ids {
            greedy.append(next)
            let step = try session.append([next], logits: .last)
            next = Sampler.argmax(try #require(step.logits.last))
        }
        #expect(greedy == entry.greedy_next_ids)
    }

    @Test func targetIsTheLargerModelWithATrainedExitHead() throws {
        let target = try Model(path: Self.repositoryRoot.appendingPathComponent("Models/target.gguf").path, threads: 1)
        let draft = try Model(path: Self.repositoryRoot.appendingPathComponent("Models/draft.gguf").path, threads: 1)
        #expect(target.config.earlyExitLayer == 2)
        #expect(target.config.vocabularySize == draft.config.vocabularySize)
        #expect(target.config.layerCount > draft.config.layerCount)
    }
}
