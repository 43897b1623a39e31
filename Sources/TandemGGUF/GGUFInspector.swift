import TandemUtilities

/// Describes a GGUF file for people (`text`) and for programs (`json`); this is what
/// `tandem inspect` prints.
public struct GGUFInspector: Sendable {
    /// Tensor count, elements and bytes of one tensor type in a file.
    public struct TypeSummary: Sendable, Equatable {
        public let type: GGMLType
        public let tensorCount: Int
        public let elementCount: Int
        public let byteCount: Int
    }

    /// The file described.
    public let file: GGUFFile
    /// How many leading items of an array are shown.
    public let maxArrayItems: Int

    public init(file: GGUFFile, maxArrayItems: Int = 8) {
        self.file = file
        self.maxArrayItems = max(0, maxArrayItems)
    }

    /// One entry per tensor type present, the most bytes first.
    public var typeSummaries: [TypeSummary] {
        var byType: [GGMLType: (tensors: Int, elements: Int, bytes: Int)] = [:]
        for tensor in file.tensors {
            let sums = byType[tensor.type, default: (0, 0, 0)]
            byType[tensor.type] = (
                sums.tensors + 1, sums.elements &+ tensor.elementCount, sums.bytes &+ tensor.byteCount
            )
        }
        return byType.map {
            TypeSummary(
                type: $0.key, tensorCount: $0.value.tensors, elementCount: $0.value.elements, byteCount: $0.value.bytes)
        }.sorted { ($0.byteCount, $1.type.rawValue) > ($1.byteCount, $0.type.rawValue) }
    }

    /// Total elements of all tensors.
    public var parameterCount: Int {
        file.tensors.reduce(0) { $0 &+ $1.elementCount }
    }

    // MARK: Text

    /// A report: header facts, every metadata entry (long strings and arrays shortened),
    /// optionally one line per tensor, and a summary per tensor type.
    public func text(listTensors: Bool) -> String {
        var lines: [String] = []
        if let path = file.path { lines.append("file: \(path)") }
        lines.append(
            "GGUF version \(file.version), alignment \(file.alignment), \(file.byteCount) bytes (\(Self.humanBytes(file.byteCount))), tensor data at byte \(file.dataOffset)"
        )
        lines.append("")
        lines.append("metadata (\(file.metadataKeys.count) keys):")
        for key in file.metadataKeys {
            guard let value = file.value(key) else { continue }
            lines.append("  \(key): \(displayText(value))")
        }
        if listTensors && !file.tensors.isEmpty {
            lines.append("")
            lines.append("tensors (\(file.tensors.count)):")
            let nameWidth = min(48, file.tensors.map(\.name.count).max() ?? 0)
            let dimsTexts = file.tensors.map { "[" + $0.dims.map(String.init).joined(separator: ", ") + "]" }
            let dimsWidth = dimsTexts.map(\.count).max() ?? 0
            for (tensor, dims) in zip(file.tensors, dimsTexts) {
                lines.append(
                    "  " + Self.padded(tensor.name, nameWidth) + "  " + Self.padded(tensor.type.description, 5)
                        + "  " + Self.padded(dims, dimsWidth) + "  " + Self.leftPadded(String(tensor.byteCount), 10)
                        + " bytes  at \(tensor.offset)")
            }
        }
        lines.append("")
        lines.append("summary:")
        for summary in typeSummaries {
            lines.append(
                "  " + Self.padded(summary.type.description, 5) + "  "
                    + Self.leftPadded(String(summary.tensorCount), 5) + " tensors  "
                    + Self.leftPadded(String(summary.elementCount), 12) + " parameters  "
                    + Self.leftPadded(String(summary.byteCount), 12) + " bytes (\(Self.humanBytes(summary.byteCount)))")
        }
        let tensorBytes = file.tensors.reduce(0) { $0 &+ $1.byteCount }
        lines.append(
            "  total  \(file.tensors.count) tensors, \(parameterCount) parameters, \(tensorBytes) bytes (\(Self.humanBytes(tensorBytes)))"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    /// `string "llama"`, `u32 512`, `array<string>[49152] ["!", "\"", ...]`.
    public func displayText(_ value: GGUFValue) -> String {
        switch value {
        case .array(let elements):
            return "\(value.typeName)[\(elements.count)] \(arrayItemsText(elements))"
        default:
            return "\(value.typeName) \(itemText(value))"
        }
    }

    private func itemText(_ value: GGUFValue) -> String {
        switch value {
        case .string(let string):
            let limit = 120
            guard string.count > limit else { return Self.quoted(string) }
            return Self.quoted(String(string.prefix(limit))) + "… (\(string.count) characters)"
        case .array(let elements):
            return arrayItemsText(elements)
        default:
            return value.briefText
        }
    }

    private func arrayItemsText(_ elements: [GGUFValue]) -> String {
        var items = elements.prefix(maxArrayItems).map(itemText)
        if elements.count > maxArrayItems { items.append("...") }
        return "[" + items.joined(separator: ", ") + "]"
    }

    // MARK: JSON

    /// A JSON object with snake_case keys: `path`, `version`, `alignment`, `data_offset`,
    /// `file_size`, `metadata` (in file order; arrays as `{"type", "count", "items"}` with the
    /// first `maxArrayItems` items), `tensors` (`name`, `type`, `dims`, `bytes`, `offset`) and
    /// `summary` (`tensor_count`, `parameter_count`, `tensor_bytes`, `types`).
    public func json() -> String {
        var fields: [(String, String)] = []
        fields.append(("path", file.path.map(Self.jsonString) ?? "null"))
        fields.append(("version", String(file.version)))
        fields.append(("alignment", String(file.alignment)))
        fields.append(("data_offset", String(file.dataOffset)))
        fields.append(("file_size", String(file.byteCount)))
        let metadata = file.metadataKeys.compactMap { key in
            file.value(key).map { "    " + Self.jsonString(key) + ": " + jsonValue($0) }
        }
        fields.append(("metadata", metadata.isEmpty ? "{}" : "{\n" + metadata.joined(separator: ",\n") + "\n  }"))
        let tensors = file.tensors.map { tensor in
            "    {\"name\": \(Self.jsonString(tensor.name)), \"type\": \(Self.jsonString(tensor.type.description)), "
                + "\"dims\": [\(tensor.dims.map(String.init).joined(separator: ", "))], "
                + "\"bytes\": \(tensor.byteCount), \"offset\": \(tensor.offset)}"
        }
        fields.append(("tensors", tensors.isEmpty ? "[]" : "[\n" + tensors.joined(separator: ",\n") + "\n  ]"))
        let types = typeSummaries.map { summary in
            "\(Self.jsonString(summary.type.description)): {\"count\": \(summary.tensorCount), "
                + "\"parameters\": \(summary.elementCount), \"bytes\": \(summary.byteCount)}"
        }
        let tensorBytes = file.tensors.reduce(0) { $0 &+ $1.byteCount }
        fields.append(
            (
                "summary",
                "{\"tensor_count\": \(file.tensors.count), \"parameter_count\": \(parameterCount), "
                    + "\"tensor_bytes\": \(tensorBytes), \"types\": {\(types.joined(separator: ", "))}}"
            ))
        return "{\n" + fields.map { "  \(Self.jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    private func jsonValue(_ value: GGUFValue) -> String {
        switch value {
        case .string(let string): return Self.jsonString(string)
        case .bool(let bool): return bool ? "true" : "false"
        case .float32(let float): return float.isFinite ? String(float) : "null"
        case .float64(let double): return double.isFinite ? String(double) : "null"
        case .array(let elements):
            let items = elements.prefix(maxArrayItems).map(jsonValue).joined(separator: ", ")
            return "{\"type\": \(Self.jsonString(value.typeName)), \"count\": \(elements.count), \"items\": [\(items)]}"
        default:
            return value.briefText
        }
    }

    // MARK: Formatting helpers

    static func jsonString(_ string: String) -> String {
        JSONString.quoted(string)
    }

    /// A string as it would appear in source: quoted, with quotes, backslashes and control
    /// characters escaped, so token strings stay readable on one line.
    static func quoted(_ string: String) -> String {
        jsonString(string)
    }

    static func humanBytes(_ count: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var unit = 0
        var scaled = Double(count)
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) bytes" }
        let tenths = (scaled * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10) \(units[unit])"
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPadded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
