import Foundation
import TandemBench
import Testing

/// The hit-rate bookkeeping of `tandem bench exit-layers`.
@Suite struct ExitLayerTallyTests {
    @Test func aProvisionalVerdictHitsOnlyWhenLengthAndTokenBothMatch() {
        var tally = ExitLayerTally(layers: [4, 2, 3])
        // Drafts 5 6 7; the final rows keep 5 and 6 and answer 9 at the third position.
        tally.add(
            drafts: [5, 6, 7], final: [5, 6, 9, 1],
            exits: [
                2: [5, 6, 9, 2],  // same verdict (2, 9): a hit; the bonus row differs but is never read
                3: [5, 8, 9, 1],  // rejects at the second draft: miss, length wrong
                4: [5, 6, 4, 1],  // right length, wrong token: miss
            ])
        // A fully accepted window: the bonus token decides.
        tally.add(drafts: [1], final: [1, 3], exits: [2: [1, 3], 3: [1, 3], 4: [1, 4]])
        // A malformed window (row count ≠ drafts + 1) is not counted.
        tally.add(drafts: [1, 2], final: [1], exits: [:])
        #expect(tally.windows == 2)
        #expect(tally.rows == 6)
        #expect(tally.drafts == 4)
        #expect(tally.accepted == 3)
        #expect(tally.layers.map(\.layer) == [2, 3, 4])
        #expect(tally.layers.map(\.hits) == [2, 1, 0])
        #expect(tally.layers.map(\.acceptedMatches) == [2, 1, 2])
        #expect(tally.layers.map(\.rowMatches) == [5, 5, 4])
        #expect(tally.hitRate(2) == 1)
        #expect(tally.hitRate(3) == 0.5)
        #expect(tally.hitRate(7) == nil)
        #expect(ExitLayerTally.verdict(drafts: [1, 2], choices: [1, 2, 3])?.accepted == 2)
        #expect(ExitLayerTally.verdict(drafts: [1, 2], choices: [1]) == nil)
    }

    @Test func theLastLayerThroughTheModelsOwnHeadAlwaysHitsOnTheBundledPair() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let models = root.appendingPathComponent("Models")
        let hidden = FileManager.default.temporaryDirectory.appendingPathComponent("exit-hidden-\(UUID())")
        defer {
            for suffix in [".L1.f32", ".L4.f32", ".tokens"] {
                try? FileManager.default.removeItem(atPath: hidden.path + suffix)
            }
        }
        let results = try await ExitLayerBenchmark(
            .init(
                draftPath: models.appendingPathComponent("draft.gguf").path,
                targetPath: models.appendingPathComponent("target.gguf").path,
                prompts: ["The quick brown fox", "Once upon a time"], layers: [1, 2], window: "4", maxTokens: 12,
                hiddenLayers: [1], hiddenOut: hidden.path)
        ).run()
        let last = results.layerCount
        #expect(results.trainedHeadLayer == 2)
        #expect(results.tally.windows > 0)
        #expect(results.tally.layers.map(\.layer) == [1, 2])
        // Layers beyond the list are not tallied; re-run with the last layer: every verdict is the final one.
        let full = try await ExitLayerBenchmark(
            .init(
                draftPath: models.appendingPathComponent("draft.gguf").path,
                targetPath: models.appendingPathComponent("target.gguf").path,
                prompts: ["The quick brown fox"], layers: [last], window: "4", maxTokens: 12)
        ).run()
        #expect(full.tally.hitRate(last) == 1)
        #expect(full.tally.layers[0].rowMatches == full.tally.rows)
        // The hidden dump: the prompt rows and every verified row, one float32 row per layer, one int32 token.
        #expect(results.hiddenRows > results.tally.rows)
        let tokens = try Data(contentsOf: URL(fileURLWithPath: hidden.path + ".tokens")).count
        #expect(tokens == 4 * results.hiddenRows)
        for layer in [1, last] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: hidden.path + ".L\(layer).f32")).count
            #expect(bytes == results.hiddenRows * 4 * results.embeddingLength)
        }
    }
}
