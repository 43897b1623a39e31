import TandemDecoding
import TandemWire

extension OpenedMessage {
    /// The decoding core's view of this answer.
    public func sessionInfo(wireBytes: Int = 0) -> SessionInfo {
        var info = SessionInfo(
            sessionID: session, base: base, vocabularySize: limits.vocabularySize,
            contextLength: limits.contextLength, maxWindow: limits.maxWindow, wireBytes: wireBytes)
        info.serverCPUSeconds = (timings?.cpuMs ?? 0) / 1000
        return info
    }
}

extension VerdictMessage {
    public init(_ verdict: Verdict) {
        self.init(
            round: verdict.round, accepted: verdict.accepted, next: verdict.next, finished: verdict.finished,
            timings: WireTimings(
                queueMs: verdict.timings.queueSeconds * 1000,
                computeMs: verdict.timings.computeSeconds * 1000,
                provisionalMs: verdict.timings.provisionalSeconds.map { $0 * 1000 },
                cpuMs: verdict.timings.cpuSeconds * 1000))
    }

    /// The decoding core's view of this answer.
    public func verdict(wireBytes: Int = 0) -> Verdict {
        Verdict(
            round: round, accepted: accepted, next: next, finished: finished,
            timings: Verdict.Timings(
                queueSeconds: timings.queueMs / 1000, computeSeconds: timings.computeMs / 1000,
                provisionalSeconds: timings.provisionalMs.map { $0 / 1000 },
                cpuSeconds: timings.cpuMs / 1000),
            wireBytes: wireBytes)
    }
}

extension ProvisionalMessage {
    public init(round: Int, _ provisional: Verdict.Provisional) {
        self.init(round: round, accepted: provisional.accepted, next: provisional.next)
    }

    /// The decoding core's view of this guess.
    public var provisional: Verdict.Provisional { Verdict.Provisional(accepted: accepted, next: next) }
}

extension RoutedMessage {
    public init(_ answer: RouteAnswer) {
        self.init(
            round: answer.round, tokens: answer.tokens, finished: answer.finished,
            timings: WireTimings(
                queueMs: answer.timings.queueSeconds * 1000, computeMs: answer.timings.computeSeconds * 1000,
                cpuMs: answer.timings.cpuSeconds * 1000))
    }

    /// The decoding core's view of this answer.
    public func answer(wireBytes: Int = 0) -> RouteAnswer {
        RouteAnswer(
            round: round, tokens: tokens, finished: finished,
            timings: Verdict.Timings(
                queueSeconds: timings.queueMs / 1000, computeSeconds: timings.computeMs / 1000,
                cpuSeconds: timings.cpuMs / 1000),
            wireBytes: wireBytes)
    }
}
