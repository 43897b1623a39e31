import Foundation
import TandemUtilities
import TandemWire

/// Runs `WireFuzzInputs` through `WireCodec.decode` in this process: every input must decode or throw a
/// `WireError` within the time ceiling; a decoded message must re-encode and decode to itself.
public struct WireFuzzCampaign: Sendable {
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

    public func run() -> FuzzReport {
        let generator = WireFuzzInputs(seed: seed)
        let codec = WireCodec()
        var report = FuzzReport(target: "wire", seed: seed, start: start, ceilingSeconds: ceilingSeconds)
        let loop = FuzzLoop(target: "wire", seed: seed, start: start, inputs: inputs, batch: 1000, progress: progress)
        loop.run(into: &report) { i in
            let input = generator.input(i)
            switch Self.decode(input.bytes, codec: codec) {
            case .decoded: return (input.mutation.rawValue, .accepted)
            case .refused: return (input.mutation.rawValue, .refused)
            case .failed(let why): return (input.mutation.rawValue, .failed("\(input.kind): \(why)"))
            }
        }
        return report
    }

    enum Outcome: Equatable {
        case decoded, refused
        case failed(String)
    }

    /// Decodes `bytes`; a decoded message must survive an encode/decode round trip unchanged.
    static func decode(_ bytes: [UInt8], codec: WireCodec) -> Outcome {
        let message: WireMessage
        do {
            message = try codec.decode(Data(bytes))
        } catch {
            return .refused  // typed: decode throws only WireError
        }
        do {
            let again = try codec.decode(try codec.encodeData(message))
            // NaN never equals itself; compare the re-encoded bytes instead.
            if again != message, try codec.encodeData(again) != codec.encodeData(message) {
                return .failed("round trip changed the message")
            }
        } catch {
            return .failed("a decoded message did not round-trip: \(error)")
        }
        return .decoded
    }
}
