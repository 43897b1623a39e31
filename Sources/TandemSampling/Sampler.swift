import Foundation

/// Sampling parameters. Filters apply in llama.cpp's default order:
/// repetition penalty → top-k → top-p → min-p → temperature → draw.
/// top-p and min-p are judged on the untempered distribution (softmax of the penalised logits),
/// as in llama.cpp; the temperature then reshapes what is left.
public struct SamplerConfig: Sendable, Equatable, Hashable, Codable {
    /// ≤ 0 means greedy (argmax, ties to the lowest id).
    public var temperature: Float
    /// Keep the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 disables.
    public var topP: Float
    /// Drop tokens whose probability is below minP × the top probability; 0 disables.
    public var minP: Float
    /// llama.cpp's rule over the last `repeatLastN` tokens: positive logits are divided by the
    /// penalty, negative ones multiplied; 1 disables.
    public var repeatPenalty: Float
    /// How many recent tokens the penalty looks at (0 disables, -1 means all given).
    public var repeatLastN: Int
    /// Seed of the sampler's PRNG.
    public var seed: UInt64

    public init(
        temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
        repeatPenalty: Float = 1, repeatLastN: Int = 64, seed: UInt64 = 0
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    /// Argmax decoding, no filters.
    public static let greedy = SamplerConfig(temperature: 0)

    public var isGreedy: Bool { temperature <= 0 }

    /// Throws `SamplerError.invalidParameter` for values outside their ranges.
    public func validate() throws {
        guard temperature.isFinite else {
            throw SamplerError.invalidParameter(name: "temperature", reason: "must be finite")
        }
        guard topK >= 0 else { throw SamplerError.invalidParameter(name: "top-k", reason: "must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else {
            throw SamplerError.invalidParameter(name: "top-p", reason: "must be in (0, 1], got \(topP)")
        }
        guard minP >= 0, minP <= 1 else {
            throw SamplerError.invalidParameter(name: "min-p", reason: "must be in [0, 1], got \(minP)")
        }
        guard repeatPenalty > 0, repeatPenalty.isFinite else {
            throw SamplerError.invalidParameter(name: "repeat-penalty", reason: "must be > 0, got \(repeatPenalty)")
        }
        guard repeatLastN >= -1 else {
            throw SamplerError.invalidParameter(name: "repeat-last-n", reason: "must be ≥ -1")
        }
    }
}

/// The token drawn and, when asked for, the distribution it was drawn from.
public struct SampleResult: Sendable, Equatable {
    public let token: Int
    /// Full-vocabulary probabilities after every filter and the temperature (zero for filtered
    /// tokens; one-hot for greedy). Nil unless requested.
    public let probabilities: [Float]?
}

/// Turns logits into tokens. A value type: copying it copies the PRNG state.
public struct Sampler: Sendable {
    public let config: SamplerConfig
    public var rng: SamplerRNG

    public init(config: SamplerConfig) throws {
        try config.validate()
        self.config = config
        self.rng = SamplerRNG(seed: config.seed)
    }

    /// Picks the next token for `logits` given the `recent` tokens (oldest first; the penalty
    /// window is their last `repeatLastN`).
    public mutating func sample(_ logits: [Float], recent: [Int] = [], returnDistribution: Bool = false) -> SampleResult
    {
        if config.isGreedy {
            let token = Sampler.argmax(penalized(logits, recent: recent))
            var probs: [Float]? = nil
            if returnDistribution {
                var p = [Float](repeating: 0, count: logits.count)
                p[token] = 1
                probs = p
            }
            return SampleResult(token: token, probabilities: probs)
        }
        let (ids, weights) = candidates(logits, recent: recent)
        let token = Sampler.draw(ids: ids, weights: weights, rng: &rng)
        return SampleResult(
            token: token, probabilities: returnDistribution ? Sampler.expand(ids, weights, count: logits.count) : nil)
    }

    /// The distribution `sample` draws from (one-hot at the argmax for greedy), over the whole
    /// vocabulary. Does not touch the PRNG.
    public func distribution(_ logits: [Float], recent: [Int] = []) -> [Float] {
        if config.isGreedy {
            var p = [Float](repeating: 0, count: logits.count)
            if !logits.isEmpty { p[Sampler.argmax(penalized(logits, recent: recent))] = 1 }
            return p
        }
        let (ids, weights) = candidates(logits, recent: recent)
        return Sampler.expand(ids, weights, count: logits.count)
    }

    /// Draws a token from (unnormalised, non-negative) `probabilities` with this sampler's PRNG.
    /// Used for the residual distributions of speculative verification.
    public mutating func draw(from probabilities: [Float]) -> Int {
        var ids: [Int] = []
        var weights: [Double] = []
        for (i, p) in probabilities.enumerated() where p > 0 {
            ids.append(i)
            weights.append(Double(p))
        }
        if ids.isEmpty { return Sampler.argmax(probabilities) }
        return Sampler.draw(ids: ids, weights: weights, rng: &rng)
    }

    /// Index of the largest value, ties to the lowest index; NaNs never win. 0 for empty input.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        var found = false
        for (i, v) in values.enumerated() where !v.isNaN {
            if !found || v > bestValue {
                best = i
                bestValue = v
                found = true
            }
        }
        return best
    }

    /// llama.cpp's repetition penalty over the unique tokens among the last `repeatLastN` of `recent`.
    public func penalized(_ logits: [Float], recent: [Int]) -> [Float] {
        let penalty = config.repeatPenalty
        guard penalty != 1, config.repeatLastN != 0, !recent.isEmpty else { return logits }
        let window = config.repeatLastN < 0 ? recent[...] : recent.suffix(config.repeatLastN)
        var out = logits
        var seen = Set<Int>()
        for token in window where token >= 0 && token < out.count && seen.insert(token).inserted {
            if out[token] <= 0 { out[token] *= penalty } else { out[token] /= penalty }
        }
        return out
    }

    /// The surviving token ids (ascending) and their normalised probabilities.
    func candidates(_ logits: [Float], recent: [Int]) -> (ids: [Int], weights: [Double]) {
        let values = penalized(logits, recent: recent)
        var ids = values.indices.filter { !values[$0].isNaN }
        if ids.isEmpty { return ([0], [1]) }
        let needsSort = (config.topK > 0 && config.topK < ids.count) || config.topP < 1
        if needsSort {
            ids.sort { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
            if config.topK > 0 && config.topK < ids.count { ids.removeLast(ids.count - config.topK) }
            if config.topP < 1 {
                let maxLogit = Double(values[ids[0]])
                let exps = ids.map { exp(Double(values[$0]) - maxLogit) }
                let total = exps.reduce(0, +)
                var cumulative = 0.0
                var keep = ids.count
                for (n, e) in exps.enumerated() {
                    cumulative += e / total
                    if cumulative >= Double(config.topP) {
                        keep = n + 1
                        break
                    }
                }
                ids.removeLast(ids.count - keep)
            }
        }
        if config.minP > 0 {
            // p_i ≥ minP · p_max  ⇔  logit_i ≥ maxLogit + ln(minP)
            let maxLogit = ids.map { values[$0] }.max()!
            let threshold = Double(maxLogit) + log(Double(config.minP))
            ids = ids.filter { Double(values[$0]) >= threshold }
        }
        ids.sort()
        let t = Double(config.temperature)
        let maxLogit = Double(ids.map { values[$0] }.max()!)
        var weights = ids.map { exp((Double(values[$0]) - maxLogit) / t) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        return (ids, weights)
    }

    static func expand(_ ids: [Int], _ weights: [Double], count: Int) -> [Float] {
        var p = [Float](repeating: 0, count: count)
        for (i, w) in zip(ids, weights) { p[i] = Float(w) }
        return p
    }

    static func draw(ids: [Int], weights: [Double], rng: inout SamplerRNG) -> Int {
        let total = weights.reduce(0, +)
        let u = rng.nextUnit() * total
        var cumulative = 0.0
        for (id, w) in zip(ids, weights) {
            cumulative += w
            if u < cumulative { return id }
        }
        // Rounding left u at the very top: the last token with weight.
        if let i = weights.lastIndex(where: { $0 > 0 }) { return ids[i] }
        return ids[0]
    }
}
