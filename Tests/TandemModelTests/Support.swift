import Foundation
import TandemGGUF
import TandemKernels

@testable import TandemModel

enum Fixtures {
    static let directory: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    static func file(_ name: String) throws -> GGUFFile {
        try GGUFFile(path: path(name))
    }

    static func model(_ name: String, threads: Int = 1) throws -> Model {
        try Model(path: path(name), threads: threads)
    }

    static func oracle(_ name: String) throws -> OracleFile {
        let base = (name as NSString).deletingPathExtension
        let data = try Data(contentsOf: directory.appendingPathComponent(base + ".json"))
        return try JSONDecoder().decode(OracleFile.self, from: data)
    }

    /// Every model file of the oracle (the vocabulary-only file excluded).
    static let oracleModels = [
        "llama-s-f32.gguf", "llama-s-f16.gguf", "llama-s-bf16.gguf", "llama-s-q8_0.gguf",
        "llama-s-q4_0.gguf", "llama-s-q5_0.gguf", "llama-s-q4_k.gguf", "llama-s-q6_k.gguf",
        "qwen2-s-f32.gguf", "qwen2-s-q8_0.gguf", "llama-576-q4_k_m.gguf",
    ]
}

/// llama.cpp's reference outputs for one model file (see the oracle README).
struct OracleFile: Decodable {
    struct Case: Decodable {
        let prompt_ids: [Int]
        let next_logits: [Double]
        let greedy_16: [Int]
        let greedy_top1_margin: [Double]
        let exact_next_logits: [Double]
        let llamacpp_vs_exact_max_abs: Double
    }
    let model: String
    let weights: String
    let cases: [Case]
    let llamacpp_vs_exact_max_abs: Double
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var m = 0.0
    for i in a.indices { m = max(m, abs(Double(a[i]) - b[i])) }
    return m
}

/// Gap between the largest and the second largest value.
func topMargin(_ values: [Double]) -> Double {
    var first = -Double.infinity
    var second = -Double.infinity
    for v in values {
        if v > first {
            second = first
            first = v
        } else if v > second {
            second = v
        }
    }
    return first - second
}

func argmax(_ values: [Double]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

/// Rewrites a GGUF file with edits, to make broken or variant models for tests.
struct GGUFRewrite {
    var metadata: [String: GGUFValue?] = [:]  // nil value: remove the key
    var dropTensors: Set<String> = []
    var renameTensors: [String: String] = [:]
    var extraTensors: [(name: String, type: GGMLType, dims: [Int], bytes: [UInt8])] = []
    var retypeDims: [String: [Int]] = [:]  // lie about a tensor's dims (same byte count)

    func apply(to source: GGUFFile) throws -> GGUFFile {
        var writer = GGUFWriter()
        for key in source.metadataKeys where key != "general.alignment" {
            if let edit = metadata[key] {
                if let value = edit { writer.set(key, value) }
            } else {
                writer.set(key, source.metadata[key]!)
            }
        }
        for (key, value) in metadata where source.metadata[key] == nil {
            if let value { writer.set(key, value) }
        }
        for info in source.tensors where !dropTensors.contains(info.name) {
            let bytes = source.tensor(info).bytes
            try writer.addTensor(
                name: renameTensors[info.name] ?? info.name, type: info.type,
                dims: retypeDims[info.name] ?? info.dims, bytes: bytes)
        }
        for t in extraTensors {
            try writer.addTensor(name: t.name, type: t.type, dims: t.dims, bytes: t.bytes)
        }
        return try GGUFFile(bytes: try writer.serialize())
    }
}

func floatBytes(_ values: [Float]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// nil when the two logit tables are bit-identical, else where they first differ (short, so a
/// failure does not print megabytes of floats).
func mismatch(_ a: [[Float]]?, _ b: [[Float]]?) -> String? {
    guard let a, let b else { return a == nil && b == nil ? nil : "one side is nil" }
    guard a.count == b.count else { return "\(a.count) rows vs \(b.count) rows" }
    for r in a.indices {
        guard a[r].count == b[r].count else { return "row \(r): \(a[r].count) vs \(b[r].count) values" }
        for i in a[r].indices where a[r][i].bitPattern != b[r][i].bitPattern {
            return "row \(r), id \(i): \(a[r][i]) vs \(b[r][i])"
        }
    }
    return nil
}
