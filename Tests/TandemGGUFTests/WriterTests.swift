import Testing

@testable import TandemGGUF

struct WriterTests {
    @Test func settingAnExistingKeyReplacesItInPlace() throws {
        var writer = GGUFWriter()
        writer.set("a", .uint32(1))
        writer.set("b", .uint32(2))
        writer.set("a", .string("one"))
        let file = try GGUFFile(bytes: try writer.serialize())
        #expect(file.metadataKeys == ["a", "b"])
        #expect(file.value("a") == .string("one"))
    }

    @Test func explicitAlignmentKeyMustMatch() throws {
        var matching = GGUFWriter(alignment: 64)
        matching.set("general.alignment", .uint32(64))
        #expect(try GGUFFile(bytes: try matching.serialize()).alignment == 64)

        var conflicting = GGUFWriter(alignment: 64)
        conflicting.set("general.alignment", .uint32(32))
        guard case .invalidValue(key: "general.alignment", reason: _) = ggufError({ _ = try conflicting.serialize() })
        else {
            Issue.record("expected invalidValue for general.alignment")
            return
        }
    }

    @Test(arguments: [(UInt32(1), 32), (4, 32), (3, 0), (3, 48), (3, -32)])
    func unsupportedSettingsAreRejected(version: UInt32, alignment: Int) {
        let writer = GGUFWriter(version: version, alignment: alignment)
        guard case .invalidWriterSettings = ggufError({ _ = try writer.serialize() }) else {
            Issue.record("expected invalidWriterSettings")
            return
        }
    }

    @Test func inconsistentTensorsAreRejected() throws {
        var writer = GGUFWriter()
        try writer.addTensor(name: "t", type: .f32, dims: [2], bytes: [UInt8](repeating: 0, count: 8))
        let attempts: [(String, GGMLType, [Int], Int)] = [
            ("t", .f32, [2], 8),  // duplicate name
            ("wrong-size", .f32, [2], 7),
            ("five-dims", .f32, [1, 1, 1, 1, 1], 4),
            ("negative", .f32, [2, -1], 0),
            ("partial-block", .q8_0, [16, 2], 34),
            ("overflow", .f32, [Int.max, 2], 0),
        ]
        for (name, type, dims, count) in attempts {
            let error = ggufError {
                try writer.addTensor(name: name, type: type, dims: dims, bytes: [UInt8](repeating: 0, count: count))
            }
            guard case .invalidTensor(tensor: name, reason: _) = error else {
                Issue.record("expected invalidTensor for \(name), got \(String(describing: error))")
                continue
            }
        }
        #expect(try GGUFFile(bytes: try writer.serialize()).tensors.count == 1)
    }

    @Test func mixedArraysAreRejected() {
        var writer = GGUFWriter()
        writer.set("mixed", .array([.uint8(1), .string("x")]))
        guard case .invalidValue(key: "mixed", reason: _) = ggufError({ _ = try writer.serialize() }) else {
            Issue.record("expected invalidValue for mixed")
            return
        }
    }

    @Test func layoutMatchesTheSpec() throws {
        var writer = GGUFWriter()
        writer.set("k", .uint8(9))
        try writer.addTensor(name: "t", type: .f32, dims: [1], bytes: [1, 2, 3, 4])
        let bytes = try writer.serialize()
        var expected = RawGGUF()
        expected.header(tensors: 1, entries: 1)
        expected.string("k")
        expected.u32(0)
        expected.u8(9)
        expected.tensorInfo("t", dims: [1], type: 0, offset: 0)
        expected.pad()
        expected.bytes += [1, 2, 3, 4]
        expected.pad()
        #expect(bytes == expected.bytes)
    }

    @Test func writingToAnUnwritablePathNamesIt() throws {
        let path = "/nonexistent-directory/x.gguf"
        guard case .writeFailed(path: path, reason: _) = ggufError({ try GGUFWriter().write(to: path) }) else {
            Issue.record("expected writeFailed")
            return
        }
    }
}
