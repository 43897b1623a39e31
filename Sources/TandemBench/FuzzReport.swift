/// What a fuzz run found: how many inputs, how each ended, and the slowest one.
public struct FuzzReport: Sendable, Codable, Equatable {
    /// `wire`, `server` or `gguf`.
    public var target: String
    public var seed: UInt64
    /// First input index run.
    public var start: Int
    public var inputs: Int
    /// Inputs accepted (a decoded message, a parsed file, a non-error answer).
    public var accepted: Int
    /// Inputs refused with the component's typed error.
    public var refused: Int
    /// Inputs that ended in anything else (an untyped error, a wrong answer, no answer): each is a bug.
    public var failures: Int
    /// Input counts per mutation.
    public var byMutation: [String: Int]
    /// The slowest input: its index and seconds.
    public var slowestIndex: Int
    public var slowestSeconds: Double
    /// The slowest input's mutation.
    public var slowestMutation: String
    /// The per-input time ceiling; inputs over it are counted as hangs.
    public var ceilingSeconds: Double
    public var hangs: Int
    public var totalSeconds: Double
    /// The first few failures, for a person.
    public var failureSamples: [String]
    /// Extra figures of the target (the live server's well-behaved client, RSS), name → value.
    public var extra: [String: Double]

    public init(target: String, seed: UInt64, start: Int, ceilingSeconds: Double) {
        self.target = target
        self.seed = seed
        self.start = start
        inputs = 0
        accepted = 0
        refused = 0
        failures = 0
        byMutation = [:]
        slowestIndex = start
        slowestSeconds = 0
        slowestMutation = ""
        self.ceilingSeconds = ceilingSeconds
        hangs = 0
        totalSeconds = 0
        failureSamples = []
        extra = [:]
    }

    mutating func record(index: Int, mutation: String, seconds: Double) {
        inputs += 1
        byMutation[mutation, default: 0] += 1
        if seconds > slowestSeconds {
            slowestSeconds = seconds
            slowestIndex = index
            slowestMutation = mutation
        }
        if seconds > ceilingSeconds { hangs += 1 }
    }

    mutating func fail(_ description: String) {
        failures += 1
        if failureSamples.count < 10 { failureSamples.append(description) }
    }
}
