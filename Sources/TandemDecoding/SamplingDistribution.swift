import Foundation

/// The built-in `DistributionShaper`: llama.cpp's filter order, written to match
/// `TandemModel.Sampler.distribution` (penalty → top-k → top-p → min-p → temperature).
public struct SamplingDistribution: DistributionShaper {
    public let parameters: SamplingParameters

    /// Throws `DecodingError.invalidSampling` for out-of-range parameters.
    public init(_ parameters: SamplingParameters) throws {
        try parameters.validate()
        self.parameters = parameters
    }

    /// The default factory for verifiers and drafters.
    public static let factory: ShaperFactory = { try SamplingDistribution($0) }

    public func distribution(_ logits: [Float], recent: [Int]) -> [Float] {
        var p = [Float](repeating: 0, count: logits.count)
        guard !logits.isEmpty else { return p }
        let values = penalized(logits, recent: recent)
        if parameters.isGreedy {
            p[argmax(values)] = 1
            return p
        }
        var ids = values.indices.filter { !values[$0].isNaN }
        if ids.isEmpty { return p }
        let topK = parameters.topK
        if (topK > 0 && topK < ids.count) || parameters.topP < 1 {
            ids.sort { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
            if topK > 0 && topK < ids.count { ids.removeLast(ids.count - topK) }
            if parameters.topP < 1 {
                let top = Double(values[ids[0]])
                let exps = ids.map { exp(Double(values[$0]) - top) }
                let total = exps.reduce(0, +)
                var cumulative = 0.0
                var keep = ids.count
                for (n, e) in exps.enumerated() {
                    cumulative += e / total
                    if cumulative >= Double(parameters.topP) { keep = n + 1; break }
                }
                ids.removeLast(ids.count - keep)
            }
        }
        guard let maxValue = ids.map({ values[$0] }).max() else { return p }
        if parameters.minP > 0 {
            // p_i ≥ minP · p_max  ⇔  logit_i ≥ maxLogit + ln(minP)
            let threshold = Double(maxValue) + log(Double(parameters.minP))
            ids = ids.filter { Double(values[$0]) >= threshold }
        }
        let t = Double(parameters.temperature)
        let weights = ids.map { exp((Double(values[$0]) - Double(maxValue)) / t) }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else { return p }
        for (id, w) in zip(ids, weights) { p[id] = Float(w / total) }
        return p
    }

    private func penalized(_ logits: [Float], recent: [Int]) -> [Float] {
        let penalty = parameters.repeatPenalty
        guard penalty != 1, parameters.repeatLastN != 0, !recent.isEmpty else { return logits }
        let window = parameters.repeatLastN < 0 ? recent[...] : recent.suffix(parameters.repeatLastN)
        var out = logits
        var seen = Set<Int>()
        for token in window where token >= 0 && token < out.count && seen.insert(token).inserted {
            if out[token] <= 0 { out[token] *= penalty } else { out[token] /= penalty }
        }
        return out
    }
}

/// Index of the largest value, ties to the lowest index; NaNs never win. 0 for empty input.
func argmax(_ values: [Float]) -> Int {
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
