import Foundation
import Testing

@testable import TandemGGUF

/// Builds GGUF bytes field by field, with no validation, so tests can write exactly the
/// malformed input they need.
struct RawGGUF {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ value: String) { stringBytes(Array(value.utf8)) }
    mutating func stringBytes(_ utf8: [UInt8]) {
        u64(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Magic, version and the two counts.
    mutating func header(version: UInt32 = 3, tensors: UInt64, entries: UInt64) {
        u32(0x4655_4747)
        u32(version)
        u64(tensors)
        u64(entries)
    }

    /// A key with a u32 value.
    mutating func u32Entry(_ key: String, _ value: UInt32) {
        string(key)
        u32(4)
        u32(value)
    }

    /// One tensor info.
    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dims.count))
        for size in dims { u64(size) }
        u32(type)
        u64(offset)
    }

    /// Zero bytes up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
}

/// Runs `body` and returns the `GGUFError` it throws; records an issue if it throws
/// something else or nothing.
func ggufError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
    do {
        try body()
        Issue.record("expected a GGUFError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as GGUFError {
        return error
    } catch {
        Issue.record("expected a GGUFError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error parsing `bytes` throws.
func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
    ggufError({ _ = try GGUFFile(bytes: bytes) }, sourceLocation: sourceLocation)
}

/// Deterministic bytes for tensor data: the same seed gives the same bytes.
func patternBytes(count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7 &+ ($0 >> 8)) }
}

/// A small valid file with metadata of several types and four tensors of different types.
func sampleWriter(version: UInt32 = 3, alignment: Int = 32) throws -> GGUFWriter {
    var writer = GGUFWriter(version: version, alignment: alignment)
    writer.set("general.architecture", .string("llama"))
    writer.set("general.name", .string("fuzz-sample"))
    writer.set("llama.block_count", .uint32(2))
    writer.set("llama.rope.freq_base", .float32(10000))
    writer.set("tokenizer.ggml.add_bos_token", .bool(true))
    writer.set("tokenizer.ggml.tokens", .array([.string("a"), .string("b"), .string("ab"), .string("é")]))
    writer.set("tokenizer.ggml.token_type", .array([.int32(1), .int32(1), .int32(3), .int32(6)]))
    writer.set("tokenizer.ggml.scores", .array([.float32(0), .float32(-1), .float32(-2.5), .float32(-3)]))
    try writer.addTensor(name: "output_norm.weight", type: .f32, dims: [8], bytes: patternBytes(count: 32, seed: 1))
    try writer.addTensor(
        name: "token_embd.weight", type: .q8_0, dims: [32, 4], bytes: patternBytes(count: 136, seed: 2))
    try writer.addTensor(
        name: "blk.0.attn_q.weight", type: .q4_0, dims: [64, 2], bytes: patternBytes(count: 72, seed: 3))
    try writer.addTensor(
        name: "blk.0.ffn_up.weight", type: .f16, dims: [4, 3, 2], bytes: patternBytes(count: 48, seed: 4))
    return writer
}

/// A fresh path in the temporary directory; the caller removes the file.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("tandem-gguf-\(UUID().uuidString)-\(name)").path
}

/// The path of a fixture copied into the test bundle.
func fixturePath(_ name: String) throws -> String {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: "gguf", subdirectory: "Fixtures"),
        "missing fixture \(name).gguf")
    return url.path
}
