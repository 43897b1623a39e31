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
}
