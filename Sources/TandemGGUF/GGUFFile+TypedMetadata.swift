/// Typed metadata access. A missing key throws ``GGUFError/missingKey(_:)``; a value of
/// another type throws ``GGUFError/typeMismatch(key:expected:found:)``; an integer that does
/// not fit throws ``GGUFError/valueOutOfRange(key:value:expected:)``. Each names the key.
extension GGUFFile {
    /// The string under `key`.
    public func string(_ key: String) throws -> String {
        let value = try required(key)
        guard let string = value.stringValue else { throw mismatch(key, "string", value) }
        return string
    }

    /// The integer under `key`, of any integer type, as long as it fits in `Int`.
    public func int(_ key: String) throws -> Int {
        try Self.integer(try required(key), key: key, expected: "integer")
    }

    /// The number under `key`: f32 or f64, or an integer converted to `Double`.
    public func double(_ key: String) throws -> Double {
        let value = try required(key)
        guard let double = value.doubleValue else { throw mismatch(key, "number", value) }
        return double
    }

    /// The bool under `key`.
    public func bool(_ key: String) throws -> Bool {
        let value = try required(key)
        guard let bool = value.boolValue else { throw mismatch(key, "bool", value) }
        return bool
    }

    /// The array of strings under `key`.
    public func stringArray(_ key: String) throws -> [String] {
        let elements = try array(key, expected: "array<string>")
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let string = element.stringValue else { throw mismatch(key, "array<string>", .array(elements)) }
            strings.append(string)
        }
        return strings
    }

    /// The array of integers (of any one integer type) under `key`, each fitting in `Int`.
    public func intArray(_ key: String) throws -> [Int] {
        let elements = try array(key, expected: "array of integers")
        var integers: [Int] = []
        integers.reserveCapacity(elements.count)
        for element in elements {
            integers.append(try Self.integer(element, key: key, expected: "array of integers", in: elements))
        }
        return integers
    }

    /// The array of numbers under `key` as `Float`: f32 elements as they are, f64 and
    /// integer elements converted.
    public func floatArray(_ key: String) throws -> [Float] {
        let elements = try array(key, expected: "array<f32>")
        var floats: [Float] = []
        floats.reserveCapacity(elements.count)
        for element in elements {
            switch element {
            case .float32(let float): floats.append(float)
            default:
                guard let double = element.doubleValue else { throw mismatch(key, "array<f32>", .array(elements)) }
                floats.append(Float(double))
            }
        }
        return floats
    }

    private func required(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = metadata[key] else { throw .missingKey(key) }
        return value
    }

    private func array(_ key: String, expected: String) throws(GGUFError) -> [GGUFValue] {
        let value = try required(key)
        guard let elements = value.arrayValue else { throw mismatch(key, expected, value) }
        return elements
    }

    private func mismatch(_ key: String, _ expected: String, _ found: GGUFValue) -> GGUFError {
        .typeMismatch(key: key, expected: expected, found: found.typeName)
    }

    private static func integer(
        _ value: GGUFValue, key: String, expected: String, in array: [GGUFValue]? = nil
    ) throws(GGUFError) -> Int {
        if let integer = value.intValue { return integer }
        guard value.isInteger else {
            throw .typeMismatch(key: key, expected: expected, found: (array.map(GGUFValue.array) ?? value).typeName)
        }
        throw .valueOutOfRange(key: key, value: "\(value.typeName) \(value.briefText)", expected: "Int")
    }
}
