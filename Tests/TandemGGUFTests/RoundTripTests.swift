import Foundation
import Testing

@testable import TandemGGUF

/// Every value case, including nested and empty arrays and extreme values.
private let everyValue: [(String, GGUFValue)] = [
    ("test.u8", .uint8(255)),
    ("test.i8", .int8(-128)),
    ("test.u16", .uint16(65535)),
    ("test.i16", .int16(-32768)),
    ("test.u32", .uint32(4_000_000_000)),
    ("test.i32", .int32(-2_000_000_000)),
    ("test.u64", .uint64(UInt64.max)),
    ("test.i64", .int64(Int64.min)),
    ("test.f32", .float32(-1.5e-7)),
    ("test.f64", .float64(3.141592653589793)),
    ("test.bool.true", .bool(true)),
    ("test.bool.false", .bool(false)),
    ("test.string", .string("héllo, 世界 🦙")),
    ("test.string.empty", .string("")),
    ("test.array.u8", .array([.uint8(0), .uint8(1), .uint8(255)])),
    ("test.array.string", .array([.string("a b"), .string(""), .string("Ġt")])),
    ("test.array.f64", .array([.float64(-0.0), .float64(1e300)])),
    ("test.array.bool", .array([.bool(true), .bool(false)])),
    ("test.array.empty", .array([])),
    ("test.array.nested", .array([.array([.int16(1), .int16(-2)]), .array([.string("x")]), .array([])])),
    ("test.array.deep", .array([.array([.array([.uint64(7)])])])),
]

struct RoundTripTests {
    @Test(arguments: [(UInt32(3), 32), (UInt32(2), 32), (UInt32(3), 64), (UInt32(2), 64)])
    func everyValueTypeSurvives(version: UInt32, alignment: Int) throws {
        var writer = try sampleWriter(version: version, alignment: alignment)
        for (key, value) in everyValue { writer.set(key, value) }
        let file = try GGUFFile(bytes: try writer.serialize())

        #expect(file.version == version)
        #expect(file.alignment == alignment)
        #expect(file.dataOffset % alignment == 0)
        for (key, value) in everyValue {
            #expect(file.value(key) == value, "\(key)")
        }
        let expectedKeys =
            (alignment == 32 ? [] : ["general.alignment"])
            + [
                "general.architecture", "general.name", "llama.block_count", "llama.rope.freq_base",
                "tokenizer.ggml.add_bos_token", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                "tokenizer.ggml.scores",
            ]
            + everyValue.map(\.0)
        #expect(file.metadataKeys == expectedKeys)
        #expect(file.metadata.count == expectedKeys.count)
        if alignment != 32 {
            #expect(file.value("general.alignment") == .uint32(UInt32(alignment)))
        }
    }

    @Test(arguments: [32, 64])
    func tensorsKeepNamesTypesShapesAndBytes(alignment: Int) throws {
        let file = try GGUFFile(bytes: try sampleWriter(alignment: alignment).serialize())

        #expect(
            file.tensors.map(\.name) == [
                "output_norm.weight", "token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_up.weight",
            ])
        #expect(file.tensors.map(\.type) == [.f32, .q8_0, .q4_0, .f16])
        #expect(file.tensors.map(\.dims) == [[8], [32, 4], [64, 2], [4, 3, 2]])
        #expect(file.tensors.map(\.elementCount) == [8, 128, 128, 24])
        #expect(file.tensors.map(\.byteCount) == [32, 136, 72, 48])
        for info in file.tensors {
            #expect(info.offset % alignment == 0, "\(info.name)")
        }
        let seeds: [String: UInt8] = [
            "output_norm.weight": 1, "token_embd.weight": 2, "blk.0.attn_q.weight": 3, "blk.0.ffn_up.weight": 4,
        ]
        for (name, seed) in seeds {
            let tensor = try file.tensor(named: name)
            #expect(tensor.bytes == patternBytes(count: tensor.info.byteCount, seed: seed), "\(name)")
            #expect(file.tensorInfo(named: name) == tensor.info)
        }
        #expect(file.byteCount == (try sampleWriter(alignment: alignment).serialize()).count)
    }

    @Test func reserializingAParsedFileGivesTheSameBytes() throws {
        var writer = try sampleWriter()
        for (key, value) in everyValue where value != .array([]) && key != "test.array.nested" {
            writer.set(key, value)
        }
        let original = try writer.serialize()
        let file = try GGUFFile(bytes: original)

        var copy = GGUFWriter(version: file.version, alignment: file.alignment)
        for key in file.metadataKeys { copy.set(key, try #require(file.value(key))) }
        for info in file.tensors {
            try copy.addTensor(name: info.name, type: info.type, dims: info.dims, bytes: file.tensor(info).bytes)
        }
        #expect(try copy.serialize() == original)
    }

    @Test func fileOnDiskIsMappedWithoutCopying() throws {
        let path = temporaryPath("mapped.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try sampleWriter().write(to: path)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

        let file = try GGUFFile(path: path)
        #expect(file.path == path)
        #expect(file.byteCount == onDisk.count)
        let tensor = try file.tensor(named: "token_embd.weight")
        let start = file.dataOffset + tensor.info.offset
        tensor.withUnsafeBytes { view in
            #expect(view.count == 136)
            #expect(Array(view) == Array(onDisk[start..<(start + 136)]))
            // The view points into the file's mapping, right after the tensor table.
            let mappingStart = view.baseAddress.map { $0 - start }
            #expect(mappingStart.map { Int(bitPattern: $0) % 4096 } == 0, "mapping is page-aligned")
        }
        #expect(tensor.bytes == patternBytes(count: 136, seed: 2))
    }

    @Test func tensorViewOutlivesItsFile() throws {
        let tensor = try {
            let file = try GGUFFile(bytes: try sampleWriter().serialize())
            return try file.tensor(named: "blk.0.ffn_up.weight")
        }()
        #expect(tensor.bytes == patternBytes(count: 48, seed: 4))
    }

    @Test func prefaultReportsProgressUpToOne() throws {
        let path = temporaryPath("prefault.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = GGUFWriter()
        try writer.addTensor(
            name: "big", type: .f32, dims: [64 * 1024], bytes: patternBytes(count: 256 * 1024, seed: 9))
        try writer.write(to: path)

        let file = try GGUFFile(path: path)
        var fractions: [Double] = []
        file.prefault { fractions.append($0) }
        #expect(fractions.first == 0)
        #expect(fractions.last == 1)
        #expect(fractions.count > 2)
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(try file.tensor(named: "big").bytes == patternBytes(count: 256 * 1024, seed: 9))
    }

    @Test func fileWithoutTensorsOrMetadataParses() throws {
        let file = try GGUFFile(bytes: try GGUFWriter().serialize())
        #expect(file.tensors.isEmpty)
        #expect(file.metadataKeys.isEmpty)
        #expect(file.alignment == 32)
        #expect(file.dataOffset == 32)
        #expect(file.byteCount == 32)
        var reports = 0
        file.prefault { _ in reports += 1 }
        #expect(reports == 2)
    }
}
