import Testing

@testable import TandemGGUF

/// Deterministic corruptions of a valid file: each must parse or throw a `GGUFError`,
/// never crash, hang or allocate wildly.
struct FuzzTests {
    /// SplitMix64: small, fast, and the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D4_9BA1_33D1_11EB
            return z ^ (z >> 31)
        }
    }

    enum Outcome { case parsed, rejected }

    private func outcome(_ bytes: [UInt8]) -> Outcome? {
        do {
            let file = try GGUFFile(bytes: bytes)
            // Whatever parsed must be usable: every tensor view lies inside the bytes.
            for info in file.tensors {
                let tensor = file.tensor(info)
                guard tensor.withUnsafeBytes({ $0.count }) == info.byteCount,
                    file.dataOffset + info.offset + info.byteCount <= bytes.count
                else { return nil }
            }
            return .parsed
        } catch is GGUFError {
            return .rejected
        } catch {
            return nil
        }
    }

    private func sample() throws -> [UInt8] {
        try sampleWriter().serialize()
    }

    @Test func truncationAtEveryLength() throws {
        let bytes = try sample()
        var rejected = 0
        for length in 0..<bytes.count {
            let result = outcome(Array(bytes.prefix(length)))
            #expect(result != nil, "length \(length)")
            if result == .rejected { rejected += 1 }
        }
        // Only cuts inside the last tensor's trailing padding can still parse.
        #expect(rejected >= bytes.count - 32)
    }

    @Test func randomCorruptions() throws {
        let original = try sample()
        var generator = SeededGenerator(state: 0x7A4D_E3)
        var counts: [Outcome: Int] = [:]
        let iterations = 4000
        for iteration in 0..<iterations {
            var bytes = original
            let kind = iteration % 5
            switch kind {
            case 0:  // flip one bit
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            case 1:  // overwrite 1–8 bytes with random values
                let count = Int.random(in: 1...8, using: &generator)
                let start = Int.random(in: 0...(bytes.count - count), using: &generator)
                for index in start..<(start + count) { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            case 2:  // overwrite 1–8 bytes with 0xFF, making huge lengths and counts likely
                let count = Int.random(in: 1...8, using: &generator)
                let start = Int.random(in: 0...(bytes.count - count), using: &generator)
                for index in start..<(start + count) { bytes[index] = 0xFF }
            case 3:  // insert 1–8 random bytes
                let count = Int.random(in: 1...8, using: &generator)
                let start = Int.random(in: 0...bytes.count, using: &generator)
                bytes.insert(
                    contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }, at: start)
            default:  // delete 1–8 bytes, then maybe truncate
                let count = Int.random(in: 1...8, using: &generator)
                let start = Int.random(in: 0...(bytes.count - count), using: &generator)
                bytes.removeSubrange(start..<(start + count))
                if Bool.random(using: &generator) {
                    bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator))
                }
            }
            guard let result = outcome(bytes) else {
                Issue.record("iteration \(iteration) (kind \(kind)) threw something other than GGUFError")
                continue
            }
            counts[result, default: 0] += 1
        }
        #expect(counts.values.reduce(0, +) == iterations)
        // Both outcomes occur: the corruptions reach the validation, not just the magic.
        #expect(counts[.rejected, default: 0] > iterations / 4)
        #expect(counts[.parsed, default: 0] > 0)
    }

    @Test func corruptingEachHeaderByteToExtremes() throws {
        let original = try sample()
        let file = try GGUFFile(bytes: original)
        // Every byte up to the data, set to each of a few extreme values.
        for index in 0..<file.dataOffset {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] where original[index] != value {
                var bytes = original
                bytes[index] = value
                #expect(outcome(bytes) != nil, "byte \(index) = \(value)")
            }
        }
    }
}
