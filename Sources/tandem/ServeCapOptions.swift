import ArgumentParser
import TandemServer

/// `tandem serve`'s caps beyond sessions, window, context and idle time: message sizes, rounds in
/// flight and the rate of `open` (docs/SECURITY.md, "Limits").
struct ServeCapOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Largest /v1/assist message, in KiB; a larger one closes its connection (frame_too_large).",
            valueName: "KiB"))
    var maxFrameKb = 256

    @Option(
        name: .long,
        help: ArgumentHelp("Largest OpenAI request body, in KiB (413 above it).", valueName: "KiB"))
    var maxBodyKb = 256

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most rounds in flight over all sessions; one more gets error overloaded / HTTP 429 (default: no cap beyond --max-sessions).",
            valueName: "N"))
    var maxQueuedRounds: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sessions the whole server opens per minute (token bucket); one more gets rate_limited / HTTP 429.",
            valueName: "N"))
    var opensPerMinute: Int?

    func validate() throws {
        guard (1...65536).contains(maxFrameKb) else { throw ValidationError("--max-frame-kb must be in 1…65536") }
        guard (1...65536).contains(maxBodyKb) else { throw ValidationError("--max-body-kb must be in 1…65536") }
        guard maxQueuedRounds.map({ $0 >= 1 }) ?? true else { throw ValidationError("--max-queued-rounds must be ≥ 1") }
        guard opensPerMinute.map({ $0 >= 1 }) ?? true else { throw ValidationError("--opens-per-minute must be ≥ 1") }
    }

    /// `limits` with these caps.
    func applied(to limits: ServerLimits) -> ServerLimits {
        var limits = limits
        limits.maxFrameBytes = maxFrameKb << 10
        limits.maxBodyBytes = maxBodyKb << 10
        limits.maxQueuedRounds = maxQueuedRounds
        limits.opensPerMinute = opensPerMinute
        return limits
    }
}
