import Foundation
import Testing

@testable import TandemGGUF

/// Each kind of corruption gets the specific error case, with what and where.
struct MalformedHeaderTests {
    @Test func truncatedHeader() {
        let version = parseError(Array("GGUF".utf8) + [3, 0, 0])
        #expect(version == .truncated(what: "version", offset: 4, needed: 4, available: 3))

        var raw = RawGGUF()
        raw.u32(0x4655_4747)
        raw.u32(3)
        raw.u64(0)
        raw.u32(0)
        #expect(parseError(raw.bytes) == .truncated(what: "metadata entry count", offset: 16, needed: 8, available: 4))
    }

    @Test func emptyInput() {
        #expect(parseError([]) == .truncated(what: "magic", offset: 0, needed: 4, available: 0))
    }

    @Test func wrongMagic() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 0)
        raw.bytes[0...3] = [0x47, 0x47, 0x4D, 0x4C]  // "GGML"
        let error = parseError(raw.bytes)
        #expect(error == .badMagic(found: 0x4C4D_4747))
        #expect(error?.description.contains("magic") == true)
    }

    @Test(arguments: [UInt32(0), 1, 4, 99])
    func unsupportedVersion(version: UInt32) {
        var raw = RawGGUF()
        raw.header(version: version, tensors: 0, entries: 0)
        #expect(parseError(raw.bytes) == .unsupportedVersion(version))
    }

    @Test func bigEndianFileIsNamedAsSuch() {
        var raw = RawGGUF()
        raw.header(version: UInt32(3).byteSwapped, tensors: 0, entries: 0)
        let error = parseError(raw.bytes)
        #expect(error == .unsupportedVersion(0x0300_0000))
        #expect(error?.description.contains("big-endian") == true)
        #expect(GGUFError.unsupportedVersion(1).description.contains("big-endian") == false)
    }

    @Test func metadataCountPastEnd() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1 << 40)
        #expect(
            parseError(raw.bytes) == .countPastEnd(what: "metadata entries", offset: 16, count: 1 << 40, available: 0))
    }

    @Test func tensorCountPastEnd() {
        var raw = RawGGUF()
        raw.header(tensors: UInt64.max, entries: 0)
        raw.zeros(100)
        #expect(
            parseError(raw.bytes) == .countPastEnd(what: "tensor infos", offset: 8, count: UInt64.max, available: 100))
    }
}

struct MalformedMetadataTests {
    @Test func keyLengthPastEnd() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.u64(1000)
        raw.bytes += Array("general.architecture".utf8)
        let error = parseError(raw.bytes)
        #expect(error == .stringLengthPastEnd(what: "metadata key #0", offset: 24, length: 1000, available: 20))
        #expect(error?.description.contains("byte 24") == true)
    }

    @Test func stringValueLengthPastEnd() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("general.name")
        raw.u32(8)
        let offset = raw.bytes.count
        raw.u64(UInt64.max)
        raw.bytes += Array("model".utf8)
        #expect(
            parseError(raw.bytes)
                == .stringLengthPastEnd(
                    what: "string value of 'general.name'", offset: offset, length: UInt64.max, available: 5))
    }

    @Test func arrayCountPastEnd() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("tokenizer.ggml.tokens")
        raw.u32(9)
        raw.u32(8)
        let countOffset = raw.bytes.count
        raw.u64(1 << 62)
        raw.string("a")
        let error = parseError(raw.bytes)
        #expect(
            error
                == .countPastEnd(
                    what: "array<string> 'tokenizer.ggml.tokens'", offset: countOffset, count: 1 << 62, available: 9))
        #expect(error?.description.contains("tokenizer.ggml.tokens") == true)
    }

    @Test func arrayOfStringsNeedsEightBytesEach() {
        // 10 strings need at least 80 bytes; 79 zero bytes would be 9 empty strings and a bit.
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("k")
        raw.u32(9)
        raw.u32(8)
        let countOffset = raw.bytes.count
        raw.u64(10)
        raw.zeros(79)
        #expect(
            parseError(raw.bytes)
                == .countPastEnd(what: "array<string> 'k'", offset: countOffset, count: 10, available: 79))
    }

    @Test func unknownValueType() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("general.weird")
        let offset = raw.bytes.count
        raw.u32(13)
        raw.u32(0)
        let error = parseError(raw.bytes)
        #expect(error == .unknownValueType(key: "general.weird", offset: offset, typeID: 13))
        #expect(error?.description.contains("general.weird") == true)
    }

    @Test func unknownArrayElementType() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("k")
        raw.u32(9)
        let offset = raw.bytes.count
        raw.u32(0xFFFF_FFFF)
        raw.u64(0)
        #expect(parseError(raw.bytes) == .unknownValueType(key: "k", offset: offset, typeID: 0xFFFF_FFFF))
    }

    @Test func badBool() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("tokenizer.ggml.add_bos_token")
        raw.u32(7)
        let offset = raw.bytes.count
        raw.u8(2)
        #expect(parseError(raw.bytes) == .invalidBool(key: "tokenizer.ggml.add_bos_token", offset: offset, byte: 2))
    }

    @Test func badBoolInsideArray() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("flags")
        raw.u32(9)
        raw.u32(7)
        raw.u64(3)
        raw.u8(1)
        raw.u8(0)
        let offset = raw.bytes.count
        raw.u8(0xFF)
        #expect(parseError(raw.bytes) == .invalidBool(key: "flags", offset: offset, byte: 0xFF))
    }

    @Test func invalidUTF8InKey() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.stringBytes([0x67, 0xFF, 0xFE])
        raw.u32(4)
        raw.u32(1)
        #expect(parseError(raw.bytes) == .invalidUTF8(what: "metadata key #0", offset: 24))
    }

    @Test func invalidUTF8InStringValue() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("general.name")
        raw.u32(8)
        let offset = raw.bytes.count
        raw.stringBytes([0xC3])  // a lead byte with no continuation
        #expect(parseError(raw.bytes) == .invalidUTF8(what: "string value of 'general.name'", offset: offset))
    }

    @Test func invalidUTF8InStringArrayElement() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("tokenizer.ggml.tokens")
        raw.u32(9)
        raw.u32(8)
        raw.u64(2)
        raw.string("ok")
        let offset = raw.bytes.count
        raw.stringBytes([0xED, 0xA0, 0x80])  // an encoded surrogate
        #expect(parseError(raw.bytes) == .invalidUTF8(what: "string value of 'tokenizer.ggml.tokens'", offset: offset))
    }

    @Test func duplicateKey() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 2)
        raw.u32Entry("llama.block_count", 2)
        let offset = raw.bytes.count
        raw.u32Entry("llama.block_count", 3)
        let error = parseError(raw.bytes)
        #expect(error == .duplicateKey("llama.block_count", offset: offset))
        #expect(error?.description.contains("llama.block_count") == true)
    }

    @Test func arraysNestedTooDeep() {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("deep")
        raw.u32(9)
        for _ in 0..<40 {
            raw.u32(9)
            raw.u64(1)
        }
        raw.u32(0)
        raw.u64(0)
        guard case .arrayNestingTooDeep(key: "deep", offset: _, depth: 16) = parseError(raw.bytes) else {
            Issue.record("expected arrayNestingTooDeep")
            return
        }
    }

    @Test(arguments: [GGUFValue.uint32(48), .uint32(0), .uint32(3), .uint64(32), .string("32")])
    func invalidAlignment(value: GGUFValue) throws {
        var raw = RawGGUF()
        raw.header(tensors: 0, entries: 1)
        raw.string("general.alignment")
        raw.u32(value.valueType.rawValue)
        switch value {
        case .uint32(let alignment): raw.u32(alignment)
        case .uint64(let alignment): raw.u64(alignment)
        case .string(let text): raw.string(text)
        default: Issue.record("unexpected argument")
        }
        raw.pad()
        let error = parseError(raw.bytes)
        #expect(error == .invalidAlignment(value))
        #expect(error?.description.contains("general.alignment") == true)
    }
}

struct MalformedTensorInfoTests {
    /// A header with no metadata and one tensor info, padded, followed by `dataBytes` bytes.
    private func singleTensor(
        name: String = "blk.0.attn_q.weight", dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0, dataBytes: Int = 64
    ) -> [UInt8] {
        var raw = RawGGUF()
        raw.header(tensors: 1, entries: 0)
        raw.tensorInfo(name, dims: dims, type: type, offset: offset)
        raw.pad()
        raw.zeros(dataBytes)
        return raw.bytes
    }

    @Test func validSingleTensorParses() throws {
        let file = try GGUFFile(bytes: singleTensor(dims: [4, 4]))
        #expect(file.tensors.first?.byteCount == 64)
    }

    @Test(arguments: [UInt32(16), 29, 31, 39, 1000])
    func unknownTensorType(typeID: UInt32) {
        let error = parseError(singleTensor(dims: [256], type: typeID))
        #expect(error == .unknownTensorType(tensor: "blk.0.attn_q.weight", typeID: typeID))
        #expect(error?.description.contains("blk.0.attn_q.weight") == true)
        #expect(error?.description.contains("\(typeID)") == true)
    }

    @Test func fiveDimensions() {
        #expect(
            parseError(singleTensor(dims: [1, 1, 1, 1, 1]))
                == .tooManyDimensions(tensor: "blk.0.attn_q.weight", count: 5))
    }

    @Test func hugeDimensionCount() {
        var raw = RawGGUF()
        raw.header(tensors: 1, entries: 0)
        raw.string("t")
        raw.u32(0xFFFF_FFFF)
        raw.zeros(64)
        #expect(parseError(raw.bytes) == .tooManyDimensions(tensor: "t", count: 0xFFFF_FFFF))
    }

    @Test func negativeDimension() {
        let error = parseError(singleTensor(dims: [4, UInt64(bitPattern: -1)]))
        #expect(error == .invalidDimension(tensor: "blk.0.attn_q.weight", index: 1, value: UInt64.max))
    }

    @Test func elementCountOverflow() {
        let error = parseError(singleTensor(dims: [1 << 32, 1 << 32]))
        #expect(error == .elementCountOverflow(tensor: "blk.0.attn_q.weight"))
    }

    @Test func byteCountOverflow() {
        // Fits in Int as elements, but four bytes each does not.
        let error = parseError(singleTensor(dims: [1 << 31, 1 << 31]))
        #expect(error == .elementCountOverflow(tensor: "blk.0.attn_q.weight"))
    }

    @Test func rowNotAWholeNumberOfBlocks() {
        let error = parseError(singleTensor(dims: [16, 2], type: GGMLType.q4_0.rawValue))
        #expect(error == .partialBlock(tensor: "blk.0.attn_q.weight", type: .q4_0, rowLength: 16))
    }

    @Test func dataPastTheEnd() {
        // 4×5 f32 = 80 bytes, only 64 in the data section.
        let error = parseError(singleTensor(dims: [4, 5]))
        #expect(error == .tensorOutOfBounds(tensor: "blk.0.attn_q.weight", offset: 0, byteCount: 80, dataSize: 64))
    }

    @Test func offsetPastTheEnd() {
        let error = parseError(singleTensor(dims: [1], offset: 1 << 40))
        #expect(error == .tensorOutOfBounds(tensor: "blk.0.attn_q.weight", offset: 1 << 40, byteCount: 4, dataSize: 64))
    }

    @Test func offsetBeyondIntRange() {
        let offset: UInt64 = 0xFFFF_FFFF_FFFF_FFE0
        guard
            case .tensorOutOfBounds(tensor: "blk.0.attn_q.weight", offset: offset, byteCount: 4, dataSize: _) =
                parseError(singleTensor(dims: [1], offset: offset))
        else {
            Issue.record("expected tensorOutOfBounds")
            return
        }
    }

    @Test func misalignedOffset() {
        let error = parseError(singleTensor(dims: [2], offset: 8))
        #expect(error == .misalignedTensor(tensor: "blk.0.attn_q.weight", offset: 8, alignment: 32))
    }

    @Test func offsetAlignedTo32ButNotTo64() throws {
        var writer = GGUFWriter(alignment: 64)
        try writer.addTensor(name: "a", type: .f32, dims: [8], bytes: patternBytes(count: 32, seed: 0))
        try writer.addTensor(name: "b", type: .f32, dims: [8], bytes: patternBytes(count: 32, seed: 1))
        var bytes = try writer.serialize()
        let file = try GGUFFile(bytes: bytes)
        #expect(file.tensorInfo(named: "b")?.offset == 64)
        // Patch b's offset (the last 8 bytes of its info) from 64 to 32.
        let infoEnd = try #require(bytes.indices.last { $0 < file.dataOffset && bytes[$0] == 64 })
        bytes[infoEnd] = 32
        #expect(parseError(bytes) == .misalignedTensor(tensor: "b", offset: 32, alignment: 64))
    }

    @Test func duplicateTensor() {
        var raw = RawGGUF()
        raw.header(tensors: 2, entries: 0)
        raw.tensorInfo("token_embd.weight", dims: [4], type: 0, offset: 0)
        let offset = raw.bytes.count
        raw.tensorInfo("token_embd.weight", dims: [4], type: 0, offset: 32)
        raw.pad()
        raw.zeros(64)
        let error = parseError(raw.bytes)
        #expect(error == .duplicateTensor("token_embd.weight", offset: offset))
        #expect(error?.description.contains("token_embd.weight") == true)
    }

    @Test func overlappingTensors() {
        var raw = RawGGUF()
        raw.header(tensors: 2, entries: 0)
        raw.tensorInfo("a", dims: [16], type: 0, offset: 0)
        raw.tensorInfo("b", dims: [8], type: 0, offset: 32)
        raw.pad()
        raw.zeros(96)
        #expect(parseError(raw.bytes) == .overlappingTensors("a", "b"))
    }

    @Test func invalidUTF8InTensorName() {
        var raw = RawGGUF()
        raw.header(tensors: 1, entries: 0)
        raw.stringBytes([0x80])
        raw.u32(1)
        raw.u64(1)
        raw.u32(0)
        raw.u64(0)
        raw.pad()
        raw.zeros(32)
        #expect(parseError(raw.bytes) == .invalidUTF8(what: "name of tensor #0", offset: 24))
    }

    @Test func paddingBeforeDataMissing() {
        var raw = RawGGUF()
        raw.header(tensors: 1, entries: 0)
        raw.tensorInfo("empty", dims: [0], type: 0, offset: 0)
        let end = raw.bytes.count
        let error = parseError(raw.bytes)
        #expect(
            error
                == .truncated(what: "padding before the tensor data", offset: end, needed: 32 - end % 32, available: 0))
    }

    @Test func truncatedTensorInfo() {
        var raw = RawGGUF()
        raw.header(tensors: 1, entries: 0)
        raw.tensorInfo("t", dims: [4, 4], type: 0, offset: 0)
        // Cut two bytes into the type field: header 24, name 9, n_dims 4, dims 16.
        let typeOffset = 24 + 9 + 4 + 16
        let error = parseError(Array(raw.bytes.prefix(typeOffset + 2)))
        #expect(error == .truncated(what: "type of tensor 't'", offset: typeOffset, needed: 4, available: 2))
    }
}

struct OpeningFileTests {
    @Test func missingFileNamesThePath() {
        let path = temporaryPath("does-not-exist.gguf")
        let error = ggufError { _ = try GGUFFile(path: path) }
        guard case .cannotOpen(path: path, reason: _) = error else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains(path) == true)
    }

    @Test func directoryIsNotAFile() {
        let path = FileManager.default.temporaryDirectory.path
        #expect(ggufError { _ = try GGUFFile(path: path) } == .cannotOpen(path: path, reason: "not a regular file"))
    }

    @Test func emptyFileIsTruncated() throws {
        let path = temporaryPath("empty.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(
            ggufError { _ = try GGUFFile(path: path) } == .truncated(what: "magic", offset: 0, needed: 4, available: 0))
    }
}
