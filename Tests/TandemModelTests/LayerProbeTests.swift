import Foundation
import TandemGGUF
import TandemModel
import Testing

/// The probing pass behind `tandem bench exit-layers` and the exit-head side file behind `--exit-head`.
@Suite struct LayerProbeTests {
    static let tokens = EarlyExitSplitTests.tokens

    @Test(arguments: ["target.gguf", "draft.gguf"])
    func everyLayersExitEqualsTheSingleLayerPath(_ name: String) throws {
        let model = try EarlyExitSplitTests.bundled(name)
        let tokens = Self.tokens.map { $0 % model.config.vocabularySize }
        let all = Set(1...model.config.layerCount)
        for request in [LogitsRequest.all, .last] {
            let plain = try model.makeSession().append(tokens, logits: request)
            let probed = try model.makeSession().append(
                tokens, logits: request, probe: LayerProbe(exitLayers: all, hiddenLayers: [1, model.config.layerCount]))
            #expect(mismatch(probed.logits, plain.logits) == nil, "\(name) \(request): final logits changed")
            let exits = try #require(probed.layerExits)
            #expect(Set(exits.logits.keys) == all)
            for layer in all {
                let single = try model.makeSession().append(tokens, logits: request, earlyExitLayer: layer)
                #expect(
                    mismatch(exits.logits[layer], single.earlyExitLogits) == nil, "\(name) layer \(layer) \(request)")
            }
            let rows = request == .all ? tokens.count : 1
            for layer in [1, model.config.layerCount] {
                let hidden = try #require(exits.hidden[layer])
                #expect(hidden.count == rows)
                #expect(hidden.allSatisfy { $0.count == model.config.embeddingLength })
            }
            #expect(exits.hidden[1] != exits.hidden[model.config.layerCount])
        }
    }

    @Test func aBadProbeLayerThrowsAndChangesNothing() throws {
        let model = try EarlyExitSplitTests.bundled("target.gguf")
        let session = model.makeSession()
        for probe in [LayerProbe(exitLayers: [0]), LayerProbe(hiddenLayers: [model.config.layerCount + 1])] {
            #expect(
                throws: ModelError.invalidEarlyExitLayer(
                    probe.exitLayers.first ?? model.config.layerCount + 1, layerCount: model.config.layerCount)
            ) {
                try session.append([1, 2], probe: probe)
            }
        }
        #expect(session.count == 0)
    }

    /// A side file whose head is the model's own (its output norm, an identity adapter) at `layer`.
    static func sideFile(for model: Model, layer: GGUFValue?, adapterSize: Int? = nil) throws -> GGUFFile {
        let e = model.config.embeddingLength
        let norm = try model.file.tensor(named: "output_norm.weight")
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("qwen2"))
        if let layer { writer.set("tandem.early_exit.layer", layer) }
        try writer.addTensor(
            name: "early_exit.output_norm.weight", type: norm.info.type, dims: norm.info.dims, bytes: Array(norm.bytes))
        let n = adapterSize ?? e
        var identity = [Float](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        try writer.addTensor(name: "early_exit.adapter.weight", type: .f32, dims: [n, n], bytes: floatBytes(identity))
        return try GGUFFile(bytes: try writer.serialize())
    }

    @Test func anExitHeadSideFileLoadsAndReplacesTheFilesHead() throws {
        let path = BundledModelTests.repositoryRoot.appendingPathComponent("Models/target.gguf").path
        let plain = try Model(path: path, threads: 1)
        #expect(plain.earlyExitHeadLayer == 2)
        let model = try Model(file: plain.file, threads: 1, exitHead: try Self.sideFile(for: plain, layer: .uint32(1)))
        #expect(model.earlyExitHeadLayer == 1)
        #expect(model.defaultEarlyExitLayer == 1)
        // The side head is the model's own norm through an identity adapter: the own-head exit at layer 1.
        let viaSide = try model.makeSession().append(Self.tokens, earlyExitLayer: 1)
        let own = try Model(file: plain.file, threads: 1, exitHead: try Self.sideFile(for: plain, layer: .uint32(2)))
        let viaOwn = try own.makeSession().append(Self.tokens, earlyExitLayer: 1)
        let a = try #require(viaSide.earlyExitLogits)
        let b = try #require(viaOwn.earlyExitLogits)
        for (x, y) in zip(a, b) {
            #expect(zip(x, y).map { abs($0 - $1) }.max() ?? 0 < 1e-3)
        }
        // The final logits do not depend on the exit head.
        #expect(mismatch(viaSide.logits, try plain.makeSession().append(Self.tokens).logits) == nil)
    }

    @Test func aCorruptOrMisfittingSideFileIsATypedError() throws {
        let path = BundledModelTests.repositoryRoot.appendingPathComponent("Models/target.gguf").path
        let plain = try Model(path: path, threads: 1)
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("exit-head-\(UUID()).gguf")
        try Data("not a gguf file at all".utf8).write(to: garbage)
        defer { try? FileManager.default.removeItem(at: garbage) }
        func isInvalidExitHead(_ body: () throws -> Void) -> Bool {
            do {
                try body()
                return false
            } catch ModelError.invalidExitHead {
                return true
            } catch {
                return false
            }
        }
        #expect(isInvalidExitHead { _ = try Model(path: path, threads: 1, exitHead: garbage.path) })
        #expect(isInvalidExitHead { _ = try Model(path: path, threads: 1, exitHead: "/nonexistent/exit-head") })
        #expect(
            isInvalidExitHead {
                _ = try Model(file: plain.file, threads: 1, exitHead: try Self.sideFile(for: plain, layer: nil))
            })
        #expect(
            isInvalidExitHead {
                _ = try Model(
                    file: plain.file, threads: 1, exitHead: try Self.sideFile(for: plain, layer: .uint32(999)))
            })
        #expect(
            isInvalidExitHead {
                _ = try Model(
                    file: plain.file, threads: 1, exitHead: try Self.sideFile(for: plain, layer: .string("2")))
            })
        #expect(
            isInvalidExitHead {
                _ = try Model(
                    file: plain.file, threads: 1,
                    exitHead: try Self.sideFile(for: plain, layer: .uint32(1), adapterSize: 32))
            })
    }
}
