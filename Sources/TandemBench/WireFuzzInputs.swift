import TandemUtilities
import TandemWire

/// Deterministic hostile frames for the assisted-decoding wire: input `index` of seed `seed` is always
/// the same bytes, so any finding replays with `--seed S --start INDEX --inputs 1`.
///
/// Each input starts from a well-formed frame of one of the ten message types (every type in turn) and
/// applies one `Mutation`: byte-level damage (bit flips, truncation, splices of two frames, random bytes)
/// or a structural one (huge numbers, deep nesting, invalid UTF-8, wrong types, token ids out of range,
/// giant arrays, missing and duplicated keys).
public struct WireFuzzInputs: Sendable {
    /// What was done to the frame.
    public enum Mutation: String, Sendable, CaseIterable, Codable {
        case valid, bitFlips, truncation, splice, byteEdits, randomBytes
        case hugeNumber, deepNesting, invalidUTF8, wrongType, tokenOutOfRange, giantArray
        case missingKey, duplicateKey, wrongVersion
    }

    /// One generated input.
    public struct Input: Sendable {
        public var index: Int
        public var mutation: Mutation
        /// The message type the frame was made from.
        public var kind: WireMessage.Kind
        public var bytes: [UInt8]
    }

    public let seed: UInt64
    /// Token ids of the well-formed frames are drawn below this (the target's vocabulary).
    public let vocabularySize: Int
    /// Largest frame produced (the server refuses larger ones before decoding).
    public let maxBytes: Int
    /// The tokenizer fingerprint `open` frames carry (the target's, so a live server's open path is reached).
    public let fingerprint: String

    public init(
        seed: UInt64, vocabularySize: Int = 64, maxBytes: Int = WireProtocol.maxFrameBytes,
        fingerprint: String = "toy-tokenizer-v1"
    ) {
        self.seed = seed
        self.fingerprint = fingerprint
        self.vocabularySize = max(1, vocabularySize)
        self.maxBytes = max(64, maxBytes)
    }

    /// Input `index` (its own generator, seeded from `seed` and `index`, so inputs are independent).
    public func input(_ index: Int) -> Input {
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        let kinds = WireMessage.Kind.allCases
        let kind = kinds[index % kinds.count]
        let mutations = Mutation.allCases
        let mutation = mutations[(index / kinds.count) % mutations.count]
        var bytes = apply(mutation, to: kind, rng: &rng)
        if bytes.count > maxBytes { bytes.removeLast(bytes.count - maxBytes) }
        return Input(index: index, mutation: mutation, kind: kind, bytes: bytes)
    }

    // MARK: - Well-formed frames

    /// The fields of a well-formed frame of `kind`, after `type` and `v`.
    func fields(_ kind: WireMessage.Kind, rng: inout SplitMix64) -> [(String, FuzzJSON)] {
        func token() -> FuzzJSON { .int(Int.random(in: 0..<vocabularySize, using: &rng)) }
        func tokens(_ range: ClosedRange<Int>) -> FuzzJSON {
            .array((0..<Int.random(in: range, using: &rng)).map { _ in token() })
        }
        let timings: FuzzJSON = .object([
            ("compute_ms", .number("1.5")), ("cpu_ms", .number("1.25")), ("queue_ms", .number("0")),
        ])
        let round = FuzzJSON.int(Int.random(in: 0...8, using: &rng))
        let base = FuzzJSON.int(Int.random(in: 0...64, using: &rng))
        switch kind {
        case .open:
            return [
                ("protocol", .text(WireProtocol.name)), ("draft_fingerprint", .text(fingerprint)),
                ("draft_model", .text("fuzz")),
                (
                    "sampling",
                    .object([
                        ("temperature", .number("0")), ("top_k", .int(0)), ("top_p", .number("1")),
                        ("min_p", .number("0")), ("repeat_penalty", .number("1")), ("repeat_last_n", .int(64)),
                        ("seed", .int(0)),
                    ])
                ),
                ("prompt", tokens(1...8)), ("max_tokens", .int(Int.random(in: 1...32, using: &rng))),
                ("stop_tokens", tokens(0...2)), ("preemptive", .bool(Bool.random(using: &rng))),
            ]
        case .verify:
            var fields: [(String, FuzzJSON)] = [("round", round), ("base", base), ("drafts", tokens(0...6))]
            if Bool.random(using: &rng) {
                fields.append(
                    (
                        "q",
                        .array([
                            .object([
                                ("ids", .ints([1, 2])), ("probabilities", .array([.number("0.5"), .number("0.5")])),
                            ])
                        ])
                    ))
            }
            return fields
        case .extend: return [("round", round), ("base", base), ("tokens", tokens(0...6)), ("span", .int(1))]
        case .close: return []
        case .generate: return [("round", round), ("base", base)]
        case .opened:
            return [
                ("session", .text("s-1")), ("model", .text("toy")), ("target_fingerprint", .text("toy-tokenizer-v1")),
                ("base", base),
                (
                    "limits",
                    .object([("max_window", .int(16)), ("context_length", .int(256)), ("vocabulary_size", .int(64))])
                ),
            ]
        case .verdict:
            return [
                ("round", round), ("accepted", .int(1)), ("next", token()), ("finished", .bool(false)),
                ("timings", timings),
            ]
        case .provisional: return [("round", round), ("accepted", .int(0)), ("next", token())]
        case .error: return [("code", .text("bad_frame")), ("message", .text("fuzz"))]
        case .routed:
            return [("round", round), ("tokens", tokens(0...4)), ("finished", .bool(true)), ("timings", timings)]
        }
    }

    /// A well-formed frame of `kind`.
    func valid(_ kind: WireMessage.Kind, rng: inout SplitMix64) -> FuzzJSON {
        .object([("type", .text(kind.rawValue)), ("v", .int(WireProtocol.version))] + fields(kind, rng: &rng))
    }

    // MARK: - Mutations

    private static let hugeNumbers = [
        "1e999", "-1e999", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "123456789012345678901234567890123456789", "1e-999", "0.0000000000000000000000000001e-400", "-0",
        "NaN", "Infinity", "9223372036854775807", "-9223372036854775808", "4294967296", "1.7976931348623157e309",
        String(repeating: "9", count: 4000),
    ]

    private static let outOfRange = [-1, -2, Int.min, Int.max, 1 << 31, 1 << 40, -(1 << 53)]

    private func apply(_ mutation: Mutation, to kind: WireMessage.Kind, rng: inout SplitMix64) -> [UInt8] {
        let frame = valid(kind, rng: &rng)
        switch mutation {
        case .valid:
            return frame.bytes
        case .bitFlips:
            var bytes = frame.bytes
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            }
            return bytes
        case .truncation:
            let bytes = frame.bytes
            return Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case .splice:
            let other = valid(WireMessage.Kind.allCases.randomElement(using: &rng) ?? .close, rng: &rng).bytes
            let a = frame.bytes
            return Array(a.prefix(Int.random(in: 0...a.count, using: &rng)))
                + Array(other.suffix(Int.random(in: 0...other.count, using: &rng)))
        case .byteEdits:
            var bytes = frame.bytes
            let specials = Array("{}[]\":,\\0-eE.tfn \u{0}".utf8)
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes[at] = specials.randomElement(using: &rng) ?? 0
                default: bytes.insert(specials.randomElement(using: &rng) ?? 0, at: at)
                }
            }
            return bytes
        case .randomBytes:
            let count = Int.random(in: 0...512, using: &rng)
            return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case .hugeNumber:
            let huge = Self.hugeNumbers.randomElement(using: &rng) ?? "1e999"
            return replacingNumber(in: frame, with: .number(huge), rng: &rng).bytes
        case .deepNesting:
            // Up to 100k levels: deeper than any recursive decoder should be allowed to go.
            let depth = [2, 10, 100, 513, 1000, 10_000, 100_000].randomElement(using: &rng) ?? 1000
            let open = Bool.random(using: &rng) ? UInt8(ascii: "[") : UInt8(ascii: "{")
            var nested: [UInt8] = []
            if open == UInt8(ascii: "[") {
                nested = Array(repeating: open, count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
            } else {
                for _ in 0..<depth { nested.append(contentsOf: Array("{\"a\":".utf8)) }
                nested.append(contentsOf: Array("1".utf8))
                nested.append(contentsOf: Array(repeating: UInt8(ascii: "}"), count: depth))
            }
            // Splice the nest in as the value of some field (or as the whole frame).
            var bytes = frame.bytes
            if let colon = bytes.indices.filter({ bytes[$0] == UInt8(ascii: ":") }).randomElement(using: &rng),
                Bool.random(using: &rng)
            {
                bytes.insert(contentsOf: nested + Array(",\"x\":".utf8), at: colon + 1)
                return bytes
            }
            return nested
        case .invalidUTF8:
            let bad: [[UInt8]] = [
                [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
            ]
            let junk = bad.randomElement(using: &rng) ?? [0xFF]
            return replacingString(in: frame, with: .string(Array("ok".utf8) + junk + Array("x".utf8)), rng: &rng).bytes
        case .wrongType:
            let values: [FuzzJSON] = [
                .null, .bool(true), .text("12"), .array([]), .object([]), .number("1.5"), .ints([1, 2]),
                .text(String(repeating: "A", count: 1000)),
            ]
            return replacingAnyField(in: frame, with: values.randomElement(using: &rng) ?? .null, rng: &rng).bytes
        case .tokenOutOfRange:
            let id = FuzzJSON.int(Self.outOfRange.randomElement(using: &rng) ?? -1)
            return replacingNumber(in: frame, with: id, inArraysOnly: true, rng: &rng).bytes
        case .giantArray:
            // Up to ~2 MB of ids: under the frame cap, so the server must decode and refuse it by count.
            // The largest is rare: decoding it takes about a second (bench/results/security.md).
            let count =
                Int.random(in: 0..<50, using: &rng) == 0
                ? 300_000 : [1000, 8192, 32_768].randomElement(using: &rng) ?? 1000
            let id = Int.random(in: 0..<vocabularySize, using: &rng)
            let giant = FuzzJSON.ints(Array(repeating: id, count: count))
            return replacingArray(in: frame, with: giant, rng: &rng).bytes
        case .missingKey:
            guard case .object(var fields) = frame, !fields.isEmpty else { return frame.bytes }
            fields.remove(at: Int.random(in: 0..<fields.count, using: &rng))
            return FuzzJSON.object(fields).bytes
        case .duplicateKey:
            guard case .object(var fields) = frame, let field = fields.randomElement(using: &rng) else {
                return frame.bytes
            }
            fields.append((field.0, .text("duplicate")))
            return FuzzJSON.object(fields).bytes
        case .wrongVersion:
            guard case .object(var fields) = frame else { return frame.bytes }
            let versions: [FuzzJSON] = [
                .int(1), .int(3), .int(-1), .number("2.0"), .text("2"), .null, .number("1e400"),
            ]
            fields[1] = ("v", versions.randomElement(using: &rng) ?? .int(1))
            return FuzzJSON.object(fields).bytes
        }
    }

    /// The paths (field index chains) to every leaf that `matches`.
    private func paths(in value: FuzzJSON, where matches: (FuzzJSON, Bool) -> Bool, inArray: Bool = false) -> [[Int]] {
        var found: [[Int]] = []
        if matches(value, inArray) { found.append([]) }
        switch value {
        case .array(let items):
            for (i, item) in items.enumerated() {
                found += paths(in: item, where: matches, inArray: true).map { [i] + $0 }
            }
        case .object(let fields):
            for (i, field) in fields.enumerated() { found += paths(in: field.1, where: matches).map { [i] + $0 } }
        default: break
        }
        return found
    }

    private func replacing(_ value: FuzzJSON, at path: ArraySlice<Int>, with new: FuzzJSON) -> FuzzJSON {
        guard let first = path.first else { return new }
        switch value {
        case .array(var items) where first < items.count:
            items[first] = replacing(items[first], at: path.dropFirst(), with: new)
            return .array(items)
        case .object(var fields) where first < fields.count:
            fields[first].1 = replacing(fields[first].1, at: path.dropFirst(), with: new)
            return .object(fields)
        default: return value
        }
    }

    private func replacingMatch(
        in frame: FuzzJSON, with new: FuzzJSON, rng: inout SplitMix64, where matches: (FuzzJSON, Bool) -> Bool
    ) -> FuzzJSON {
        let candidates = paths(in: frame, where: matches)
        guard let path = candidates.randomElement(using: &rng) else {
            // No such value: add it as a new field instead.
            guard case .object(let fields) = frame else { return frame }
            return .object(fields + [("round", new)])
        }
        return replacing(frame, at: path[...], with: new)
    }

    private func replacingNumber(
        in frame: FuzzJSON, with new: FuzzJSON, inArraysOnly: Bool = false, rng: inout SplitMix64
    ) -> FuzzJSON {
        replacingMatch(in: frame, with: new, rng: &rng) { value, inArray in
            if case .number = value { return inArray || !inArraysOnly }
            return false
        }
    }

    private func replacingString(in frame: FuzzJSON, with new: FuzzJSON, rng: inout SplitMix64) -> FuzzJSON {
        replacingMatch(in: frame, with: new, rng: &rng) { value, _ in
            if case .string = value { return true }
            return false
        }
    }

    private func replacingArray(in frame: FuzzJSON, with new: FuzzJSON, rng: inout SplitMix64) -> FuzzJSON {
        replacingMatch(in: frame, with: new, rng: &rng) { value, _ in
            if case .array = value { return true }
            return false
        }
    }

    /// Replaces the value of a top-level field (never `type`, so the message's own decoder is reached).
    private func replacingAnyField(in frame: FuzzJSON, with new: FuzzJSON, rng: inout SplitMix64) -> FuzzJSON {
        guard case .object(var fields) = frame, fields.count > 1 else { return frame }
        let at = Int.random(in: 1..<fields.count, using: &rng)
        fields[at].1 = new
        return .object(fields)
    }
}
