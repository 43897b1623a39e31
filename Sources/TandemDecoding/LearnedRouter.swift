import Foundation

/// A learned routing signal: logistic regression on the draft's final hidden state (after its final
/// norm) and its three confidence scores, giving the probability that the draft's token is the one the
/// target would choose. Used in place of a `ConfidenceScore` by `RoutedGenerator` when configured: a
/// position is routed when this probability is below the policy's threshold.
///
/// Trained by `tools/router/train_router.py` on HumanEval problems 0–79 only (from the data
/// `tandem bench route --export-router-data` writes); stored as JSON:
/// `{"hidden_size": e, "mean": [...], "scale": [...], "weights": [...], "bias": b}`, where the vectors
/// have e + 3 entries: the hidden state, then top-prob, margin and entropy confidences.
public struct LearnedRouter: Sendable, Equatable, Codable {
    /// Width of the draft's hidden state this router reads.
    public var hiddenSize: Int
    /// Per-feature mean and scale: features are standardized as (x − mean) / scale.
    public var mean: [Float]
    public var scale: [Float]
    public var weights: [Float]
    public var bias: Float

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case mean, scale, weights, bias
    }

    /// The scores appended to the hidden state, in order.
    public static let scores: [ConfidenceScore] = [.topProbability, .margin, .entropy]

    /// Features per position: the hidden state and the scores.
    public var featureCount: Int { hiddenSize + Self.scores.count }

    public init(hiddenSize: Int, mean: [Float], scale: [Float], weights: [Float], bias: Float) {
        self.hiddenSize = hiddenSize
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.bias = bias
    }

    /// Decodes and validates a router file's contents.
    /// - Throws: `GenerationError.invalidLimit` naming what is wrong (not JSON, wrong lengths,
    ///   non-finite or non-positive scales).
    public static func decode(_ data: Data) throws -> LearnedRouter {
        let router: LearnedRouter
        do {
            router = try JSONDecoder().decode(LearnedRouter.self, from: data)
        } catch {
            throw GenerationError.invalidLimit(
                name: "router", reason: "not a router file (hidden_size, mean, scale, weights, bias): \(error)")
        }
        try router.validate()
        return router
    }

    /// Throws `GenerationError.invalidLimit` when the vectors do not match `hiddenSize` + 3 or hold
    /// values that are not finite (scales must also be positive).
    public func validate() throws {
        guard hiddenSize >= 1 else {
            throw GenerationError.invalidLimit(name: "router", reason: "hidden_size must be ≥ 1, got \(hiddenSize)")
        }
        for (name, vector) in [("mean", mean), ("scale", scale), ("weights", weights)] {
            guard vector.count == featureCount else {
                throw GenerationError.invalidLimit(
                    name: "router",
                    reason:
                        "\(name) has \(vector.count) entries; hidden_size \(hiddenSize) + 3 scores needs \(featureCount)"
                )
            }
            guard vector.allSatisfy(\.isFinite) else {
                throw GenerationError.invalidLimit(name: "router", reason: "\(name) holds a value that is not finite")
            }
        }
        guard scale.allSatisfy({ $0 > 0 }), bias.isFinite else {
            throw GenerationError.invalidLimit(name: "router", reason: "scales must be > 0 and the bias finite")
        }
    }

    /// The features of one position: `hidden` (the draft's final-norm hidden state) followed by the
    /// three confidence scores of `probabilities` (the draft's softmax).
    public static func features(hidden: [Float], probabilities: [Float]) -> [Float] {
        hidden + scores.map { Float($0.confidence(probabilities)) }
    }

    /// The probability, in [0, 1], that the draft's token is the target's, from `features`.
    /// - Throws: `GenerationError.invalidModelOutput` when the hidden state is not `hiddenSize` wide.
    public func confidence(features: [Float]) throws -> Double {
        guard features.count == featureCount else {
            throw GenerationError.invalidModelOutput(
                "the router reads \(hiddenSize) hidden values + 3 scores, the draft gave \(features.count) features")
        }
        var z = Double(bias)
        for i in 0..<featureCount {
            z += Double(weights[i]) * Double((features[i] - mean[i]) / scale[i])
        }
        let p = 1 / (1 + Foundation.exp(-z))
        return p.isFinite ? p : (z > 0 ? 1 : 0)
    }
}
