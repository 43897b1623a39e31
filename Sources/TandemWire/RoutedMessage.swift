import TandemDecoding

/// `routed`: the answer to `extend`: the server's own tokens for the routed position and the ones
/// after it (`span` of them, fewer when the session finishes).
public struct RoutedMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var tokens: [Int]
    public var finished: Bool
    public var timings: WireTimings

    public init(round: Int, tokens: [Int], finished: Bool, timings: WireTimings = WireTimings()) {
        self.round = round
        self.tokens = tokens
        self.finished = finished
        self.timings = timings
    }

    public init(_ answer: RouteAnswer) {
        self.init(round: answer.round, tokens: answer.tokens, finished: answer.finished,
                  timings: WireTimings(queueMs: answer.timings.queueSeconds * 1000, computeMs: answer.timings.computeSeconds * 1000,
                                       cpuMs: answer.timings.cpuSeconds * 1000))
    }

    /// The decoding core's view of this answer.
    public func answer(wireBytes: Int = 0) -> RouteAnswer {
        RouteAnswer(round: round, tokens: tokens, finished: finished,
                    timings: Verdict.Timings(queueSeconds: timings.queueMs / 1000, computeSeconds: timings.computeMs / 1000,
                                             cpuSeconds: timings.cpuMs / 1000),
                    wireBytes: wireBytes)
    }
}
