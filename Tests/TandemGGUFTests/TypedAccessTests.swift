import Testing

@testable import TandemGGUF

struct TypedAccessTests {
    private func file() throws -> GGUFFile {
        var writer = GGUFWriter()
        writer.set("name", .string("tiny"))
        writer.set("count.u8", .uint8(7))
        writer.set("count.i64", .int64(-5))
        writer.set("count.huge", .uint64(UInt64.max))
        writer.set("epsilon", .float32(1e-5))
        writer.set("flag", .bool(true))
        writer.set("tokens", .array([.string("a"), .string("b")]))
        writer.set("types", .array([.int32(1), .int32(3)]))
        writer.set("huge.ids", .array([.uint64(1), .uint64(UInt64.max)]))
        writer.set("scores", .array([.float32(-1), .float32(0.5)]))
        writer.set("empty", .array([]))
        return try GGUFFile(bytes: try writer.serialize())
    }

    @Test func valuesOfTheRightTypeAreReturned() throws {
        let file = try file()
        #expect(try file.string("name") == "tiny")
        #expect(try file.int("count.u8") == 7)
        #expect(try file.int("count.i64") == -5)
        #expect(try file.double("epsilon") == Double(Float(1e-5)))
        #expect(try file.double("count.u8") == 7)
        #expect(try file.bool("flag"))
        #expect(try file.stringArray("tokens") == ["a", "b"])
        #expect(try file.intArray("types") == [1, 3])
        #expect(try file.floatArray("scores") == [-1, 0.5])
        #expect(try file.floatArray("types") == [1, 3])
        #expect(try file.stringArray("empty") == [])
        #expect(file.value("missing") == nil)
    }

    @Test(arguments: ["string", "int", "double", "bool", "stringArray", "intArray", "floatArray"])
    func missingKeyIsNamed(accessor: String) throws {
        let file = try file()
        let error = ggufError { try Self.call(accessor, on: file, key: "llama.context_length") }
        #expect(error == .missingKey("llama.context_length"))
        #expect(error?.description.contains("llama.context_length") == true)
    }

    @Test func wrongTypeNamesKeyExpectedAndFound() throws {
        let file = try file()
        let cases: [(accessor: String, key: String, error: GGUFError)] = [
            ("string", "count.u8", .typeMismatch(key: "count.u8", expected: "string", found: "u8")),
            ("int", "name", .typeMismatch(key: "name", expected: "integer", found: "string")),
            ("int", "epsilon", .typeMismatch(key: "epsilon", expected: "integer", found: "f32")),
            ("double", "flag", .typeMismatch(key: "flag", expected: "number", found: "bool")),
            ("bool", "count.u8", .typeMismatch(key: "count.u8", expected: "bool", found: "u8")),
            ("stringArray", "types", .typeMismatch(key: "types", expected: "array<string>", found: "array<i32>")),
            ("stringArray", "name", .typeMismatch(key: "name", expected: "array<string>", found: "string")),
            ("intArray", "tokens", .typeMismatch(key: "tokens", expected: "array of integers", found: "array<string>")),
            ("floatArray", "tokens", .typeMismatch(key: "tokens", expected: "array<f32>", found: "array<string>")),
        ]
        for (accessor, key, expected) in cases {
            let error = ggufError { try Self.call(accessor, on: file, key: key) }
            #expect(error == expected, "\(accessor)(\(key))")
            #expect(error?.description.contains("'\(key)'") == true)
        }
        let description = GGUFError.typeMismatch(key: "types", expected: "array<string>", found: "array<i32>")
            .description
        #expect(description == "metadata key 'types' is array<i32>, expected array<string>")
    }

    @Test func integersThatDoNotFitAreOutOfRange() throws {
        let file = try file()
        let scalar = ggufError { _ = try file.int("count.huge") }
        #expect(scalar == .valueOutOfRange(key: "count.huge", value: "u64 18446744073709551615", expected: "Int"))
        let element = ggufError { _ = try file.intArray("huge.ids") }
        #expect(element == .valueOutOfRange(key: "huge.ids", value: "u64 18446744073709551615", expected: "Int"))
    }

    @Test func missingTensorIsNamed() throws {
        let file = try GGUFFile(bytes: try sampleWriter().serialize())
        let error = ggufError { _ = try file.tensor(named: "output.weight") }
        #expect(error == .tensorNotFound("output.weight"))
        #expect(error?.description.contains("output.weight") == true)
    }

    @Test func valueAccessorsCoverEveryCase() {
        #expect(GGUFValue.uint64(UInt64(Int.max) + 1).intValue == nil)
        #expect(GGUFValue.int8(-3).intValue == -3)
        #expect(GGUFValue.float32(2).intValue == nil)
        #expect(GGUFValue.float64(0.25).doubleValue == 0.25)
        #expect(GGUFValue.int16(-9).doubleValue == -9)
        #expect(GGUFValue.string("x").doubleValue == nil)
        #expect(GGUFValue.string("x").stringValue == "x")
        #expect(GGUFValue.uint8(1).stringValue == nil)
        #expect(GGUFValue.array([.bool(true)]).arrayValue == [.bool(true)])
        #expect(GGUFValue.bool(true).arrayValue == nil)
        #expect(GGUFValue.array([.array([.uint16(1)])]).typeName == "array<array<u16>>")
        #expect(GGUFValue.array([]).typeName == "array")
        #expect(GGUFValue.float64(1).typeName == "f64")
    }

    private static func call(_ accessor: String, on file: GGUFFile, key: String) throws {
        switch accessor {
        case "string": _ = try file.string(key)
        case "int": _ = try file.int(key)
        case "double": _ = try file.double(key)
        case "bool": _ = try file.bool(key)
        case "stringArray": _ = try file.stringArray(key)
        case "intArray": _ = try file.intArray(key)
        case "floatArray": _ = try file.floatArray(key)
        default: Issue.record("unknown accessor \(accessor)")
        }
    }
}
