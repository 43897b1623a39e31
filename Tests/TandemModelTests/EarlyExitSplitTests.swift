import Foundation
import TandemModel
import Testing

/// The split pass behind preemptive drafting: early-exit rows handed out mid-pass are the same rows the
/// whole-pass API returns, and handing them out changes nothing in the final logits.
@Suite struct EarlyExitSplitTests {
    static func bundled(_ name: String) throws -> Model {
        try Model(path: BundledModelTests.repositoryRoot.appendingPathComponent("Models/\(name)").path, threads: 2)
    }

    static let tokens = [12, 7, 300, 41, 5, 99, 1, 250]

    @Test func theDefaultLayerIsTheTrainedHeadsElseTheMiddle() throws {
        let target = try Self.bundled("target.gguf")
        let draft = try Self.bundled("draft.gguf")
        #expect(target.defaultEarlyExitLayer == 2)
        #expect(target.makeSession().defaultEarlyExitLayer == 2)
        #expect(draft.config.earlyExitLayer == nil)
        #expect(draft.defaultEarlyExitLayer == max(1, draft.config.layerCount / 2))
    }

    @Test(arguments: ["target.gguf", "draft.gguf"])
    func callbackRowsEqualTheWholePassRowsAndFinalLogitsAreUntouched(_ name: String) throws {
        let model = try Self.bundled(name)
        let tokens = Self.tokens.map { $0 % model.config.vocabularySize }
        for layer in 1...model.config.layerCount {
            for request in [LogitsRequest.all, .last] {
                let plain = try model.makeSession().append(tokens, logits: request)
                let whole = try model.makeSession().append(tokens, logits: request, earlyExitLayer: layer)
                var calls: [[[Float]]] = []
                let session = model.makeSession()
                let split = try session.append(tokens, logits: request, earlyExitLayer: layer) { rows in
                    // Mid-pass: the session has not taken the tokens yet.
                    #expect(session.count == 0)
                    calls.append(rows)
                }
                #expect(calls.count == 1, "\(name) layer \(layer): one callback per pass")
                #expect(calls.first == whole.earlyExitLogits, "\(name) layer \(layer) \(request)")
                #expect(split.earlyExitLogits == whole.earlyExitLogits)
                #expect(split.logits == plain.logits, "\(name) layer \(layer) \(request): final logits changed")
                #expect(split.logits.count == (request == .all ? tokens.count : 1))
                #expect(session.count == tokens.count)
            }
        }
    }

    @Test func theTrainedHeadDiffersFromTheModelsOwnHeadAtItsLayer() throws {
        // Layer 2 of the target reads through the trained exit head; the final layer through the
        // model's own head reproduces the final logits exactly.
        let model = try Self.bundled("target.gguf")
        let last = model.config.layerCount
        var atLast: [[Float]] = []
        let out = try model.makeSession().append(Self.tokens, logits: .all, earlyExitLayer: last) { atLast = $0 }
        #expect(atLast == out.logits)
        var atTwo: [[Float]] = []
        try model.makeSession().append(Self.tokens, logits: .all, earlyExitLayer: 2) { atTwo = $0 }
        #expect(atTwo.count == Self.tokens.count)
        #expect(atTwo != out.logits)
    }

    @Test func aBadLayerThrowsAndCallsNothing() throws {
        let model = try Self.bundled("target.gguf")
        let session = model.makeSession()
        var called = false
        for layer in [0, model.config.layerCount + 1] {
            #expect(throws: ModelError.self) {
                try session.append([1, 2], earlyExitLayer: layer) { _ in called = true }
            }
        }
        #expect(!called)
        #expect(session.count == 0)
    }
}
