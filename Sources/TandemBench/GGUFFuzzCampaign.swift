import Foundation
import TandemGGUF
import TandemUtilities

/// Hostile GGUF files at load: a small valid file (written with `GGUFWriter`, the same shape as a model's:
/// architecture, tokenizer arrays, four tensors of four types) mutated in its header, its metadata and
/// its tensor infos. Every input must parse or throw a `GGUFError`; a parsed file's every tensor view must
/// lie inside the bytes.
public struct GGUFFuzzCampaign: Sendable {
    /// What was done to the file.
    public enum Mutation: String, Sendable, CaseIterable {
        /// A header field (magic, version, tensor count, metadata count) set to a hostile value.
        case header
        /// A length or count of the metadata (a key's or string's length, an array's count) set hostile.
        case metadataLength
        /// A metadata value type (or an array's element type) set to another or an invalid type.
        case metadataType
        /// A tensor info field (name length, dimension count, a dimension, type, offset) set hostile.
        case tensorInfo
        case bitFlips
        case truncation
        case byteRuns
    }

    public var seed: UInt64
    public var start: Int
    public var inputs: Int
    public var ceilingSeconds: Double
    public var progress: FuzzProgress

    public init(
        seed: UInt64, start: Int = 0, inputs: Int, ceilingSeconds: Double = 1, progress: FuzzProgress = .init(path: nil)
    ) {
        self.seed = seed
        self.start = max(0, start)
        self.inputs = max(0, inputs)
        self.ceilingSeconds = ceilingSeconds
        self.progress = progress
    }

    /// The valid file every input starts from.
    public static func sample() throws -> [UInt8] {
        var writer = GGUFWriter(version: 3, alignment: 32)
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string("fuzz-sample"))
        writer.set("llama.block_count", .uint32(2))
        writer.set("llama.context_length", .uint64(256))
        writer.set("llama.rope.freq_base", .float32(10000))
        writer.set("tokenizer.ggml.add_bos_token", .bool(true))
        writer.set("tokenizer.ggml.tokens", .array([.string("a"), .string("b"), .string("ab"), .string("é")]))
        writer.set("tokenizer.ggml.token_type", .array([.int32(1), .int32(1), .int32(3), .int32(6)]))
        writer.set("tokenizer.ggml.scores", .array([.float32(0), .float32(-1), .float32(-2.5), .float32(-3)]))
        writer.set("general.alignment", .uint32(32))
        func pattern(_ count: Int, _ seed: UInt64) -> [UInt8] {
            var rng = SplitMix64(seed: seed)
            return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next() & 0x3F) }
        }
        try writer.addTensor(name: "output_norm.weight", type: .f32, dims: [8], bytes: pattern(32, 1))
        try writer.addTensor(name: "token_embd.weight", type: .q8_0, dims: [32, 4], bytes: pattern(136, 2))
        try writer.addTensor(name: "blk.0.attn_q.weight", type: .q4_0, dims: [64, 2], bytes: pattern(72, 3))
        try writer.addTensor(name: "blk.0.ffn_up.weight", type: .f16, dims: [4, 3, 2], bytes: pattern(48, 4))
        return try writer.serialize()
    }

    /// Where the fields of a GGUF file lie: the offsets of its u64 lengths/counts, of its u32 type tags,
    /// and of each tensor info's fields.
    struct Layout {
        var header: [(offset: Int, width: Int)] = [(0, 4), (4, 4), (8, 8), (16, 8)]
        var lengths: [Int] = []
        var types: [Int] = []
        var tensorFields: [(offset: Int, width: Int)] = []
    }

    /// Walks a well-formed file (the sample) and notes where its fields are.
    static func layout(_ bytes: [UInt8]) -> Layout {
        var layout = Layout()
        var at = 24
        func u32() -> Int {
            defer { at += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        func u64() -> Int {
            defer { at += 8 }
            return (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        func string() {
            layout.lengths.append(at)
            at += u64()
        }
        let sizes = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        func value(_ type: Int) {
            if let size = sizes[type] {
                at += size
            } else if type == 8 {
                string()
            } else if type == 9 {
                layout.types.append(at)
                let element = u32()
                layout.lengths.append(at)
                let count = u64()
                for _ in 0..<count { value(element) }
            }
        }
        let tensorCount = (0..<8).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let entryCount = (0..<8).reduce(0) { $0 | Int(bytes[16 + $1]) << (8 * $1) }
        for _ in 0..<entryCount {
            string()
            layout.types.append(at)
            value(u32())
        }
        for _ in 0..<tensorCount {
            layout.tensorFields.append((at, 8))
            string()
            layout.tensorFields.append((at, 4))
            let dims = u32()
            for _ in 0..<dims {
                layout.tensorFields.append((at, 8))
                at += 8
            }
            layout.tensorFields.append((at, 4))
            at += 4
            layout.tensorFields.append((at, 8))
            at += 8
        }
        return layout
    }

    private static let hostile: [UInt64] = [
        0, 1, 2, 3, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 40, 1 << 62,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 1, 1 << 20, 4096, 13, 31, 33,
    ]

    /// Input `index`: the sample with one mutation (each input seeded from `seed` and `index`).
    static func input(_ index: Int, seed: UInt64, sample: [UInt8], layout: Layout) -> (Mutation, [UInt8]) {
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        let mutation = Mutation.allCases[index % Mutation.allCases.count]
        var bytes = sample
        func put(_ value: UInt64, at offset: Int, width: Int) {
            for i in 0..<width where offset + i < bytes.count {
                bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            }
        }
        func hostileValue() -> UInt64 {
            Bool.random(using: &rng)
                ? (hostile.randomElement(using: &rng) ?? 0) : rng.next() >> UInt64.random(in: 0..<64, using: &rng)
        }
        switch mutation {
        case .header:
            let field = layout.header.randomElement(using: &rng) ?? (8, 8)
            put(hostileValue(), at: field.offset, width: field.width)
        case .metadataLength:
            if let offset = layout.lengths.randomElement(using: &rng) { put(hostileValue(), at: offset, width: 8) }
        case .metadataType:
            if let offset = layout.types.randomElement(using: &rng) {
                put(
                    Bool.random(using: &rng) ? UInt64.random(in: 0...13, using: &rng) : hostileValue(), at: offset,
                    width: 4)
            }
        case .tensorInfo:
            if let field = layout.tensorFields.randomElement(using: &rng) {
                put(hostileValue(), at: field.offset, width: field.width)
            }
        case .bitFlips:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            }
        case .truncation:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        case .byteRuns:
            let count = Int.random(in: 1...16, using: &rng)
            let at = Int.random(in: 0..<(bytes.count - count), using: &rng)
            let fill = [UInt8(0), 0xFF, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng) ?? 0
            for i in at..<(at + count) { bytes[i] = fill }
        }
        return (mutation, bytes)
    }

    enum Outcome: Equatable {
        case parsed, refused
        case failed(String)
    }

    /// Loads `bytes`; a parsed file must give tensor views inside the bytes.
    static func load(_ bytes: [UInt8]) -> Outcome {
        do {
            let file = try GGUFFile(bytes: bytes)
            for info in file.tensors {
                let count = file.tensor(info).withUnsafeBytes { $0.count }
                guard count == info.byteCount, file.dataOffset + info.offset + info.byteCount <= bytes.count else {
                    return .failed("tensor \(info.name) lies outside the file")
                }
            }
            return .parsed
        } catch is GGUFError {
            return .refused
        } catch {
            return .failed("untyped error \(type(of: error)): \(error)")
        }
    }

    public func run() throws -> FuzzReport {
        let sample = try Self.sample()
        let layout = Self.layout(sample)
        var report = FuzzReport(target: "gguf", seed: seed, start: start, ceilingSeconds: ceilingSeconds)
        let loop = FuzzLoop(target: "gguf", seed: seed, start: start, inputs: inputs, batch: 1000, progress: progress)
        loop.run(into: &report) { i in
            let (mutation, bytes) = Self.input(i, seed: seed, sample: sample, layout: layout)
            switch Self.load(bytes) {
            case .parsed: return (mutation.rawValue, .accepted)
            case .refused: return (mutation.rawValue, .refused)
            case .failed(let why): return (mutation.rawValue, .failed(why))
            }
        }
        return report
    }
}
