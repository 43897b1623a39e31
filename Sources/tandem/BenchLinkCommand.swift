import ArgumentParser
import Dispatch
import Foundation
import TandemBench

/// `tandem bench link`: a TCP proxy that makes loopback behave like a wide-area link.
struct BenchLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Relay TCP through an emulated network link (delay, jitter, bandwidth) until interrupted.",
        discussion: """
            Accepts connections on --listen and relays each one to --to. Each direction adds half the round-trip \
            time (± jitter, drawn per chunk but never reordering bytes) and is paced at --bandwidth, like a real \
            link. A close on either side reaches the other after the bytes ahead of it. Runs in user space on \
            real sockets: no kernel netem, no privileges. Stop with Ctrl-C.

            Durations take a unit (ns, us, ms, s): 50ms, 0.5s. Rates take tc's units (bit, kbit, mbit, gbit): \
            500kbit, 20mbit, 1gbit.

            Example: put a 50 ms, 20 Mbit/s link between a verifier and a client:
              tandem serve --model target.gguf --port 8080 &
              tandem bench link --listen 127.0.0.1:9000 --to 127.0.0.1:8080 \\
                  --rtt 50ms --jitter 5ms --bandwidth 20mbit &
              tandem generate --draft draft.gguf --server ws://127.0.0.1:9000 --prompt "Hello"

            """
    )

    @Option(name: .long, help: "Address to accept connections on (host:port; port 0 picks a free one).")
    var listen: String = "127.0.0.1:9000"

    @Option(name: .long, help: "Address to relay each connection to (host:port), e.g. the verifier server.")
    var to: String

    @Option(name: .long, help: "Round-trip time the link adds, e.g. 50ms (half in each direction).")
    var rtt: String

    @Option(name: .long, help: "Largest deviation from the one-way delay, e.g. 5ms (default none).")
    var jitter: String?

    @Option(name: .long, help: "Bandwidth of each direction, e.g. 20mbit (default unlimited).")
    var bandwidth: String?

    @Option(name: .long, help: "Seed for the jitter draws.")
    var seed: UInt64 = 0

    @Option(name: .customLong("report-every"), help: "Seconds between progress lines (0: only at the end).")
    var reportEvery: Double = 5

    @Flag(name: .customLong("no-probe"), help: "Start even if the target does not accept connections yet.")
    var noProbe = false

    func validate() throws {
        do {
            _ = try LinkEndpoint(parsing: listen)
            _ = try LinkEndpoint(parsing: to)
            _ = try LinkProfile(rtt: rtt, jitter: jitter, bandwidth: bandwidth, seed: seed)
        } catch {
            throw ValidationError(error.description)
        }
        guard reportEvery >= 0, reportEvery.isFinite, reportEvery <= 86400 else {
            throw ValidationError("--report-every must be a number of seconds in 0…86400")
        }
    }

    func run() async throws {
        let link: LinkEmulator
        do {
            link = LinkEmulator(
                listen: try LinkEndpoint(parsing: listen), to: try LinkEndpoint(parsing: to),
                profile: try LinkProfile(rtt: rtt, jitter: jitter, bandwidth: bandwidth, seed: seed))
        } catch {
            throw ValidationError(error.description)
        }
        let interrupted = InterruptSignal()
        do {
            if !noProbe { try await link.probeTarget() }
            let port = try await link.start()
            var shown = link.listenEndpoint
            shown.port = port
            print("tandem bench link: \(shown) → \(link.target) (\(link.profile)); Ctrl-C to stop")
            try? FileHandle.standardOutput.synchronize()
        } catch let error as LinkEmulatorError {
            await link.stop()
            throw ErrorReport.exitCode(
                for: CommandLineError(error.description + (noProbe ? "" : " (or pass --no-probe)")))
        }

        let reporter = Task {
            guard reportEvery > 0 else { return }
            var last = link.counters
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(reportEvery * 1000)))
                if Task.isCancelled { break }
                let now = link.counters
                if now != last { print(Self.line(now, previous: last)) }
                last = now
            }
        }
        await interrupted.wait()
        reporter.cancel()
        let final = link.counters
        await link.stop()
        print("stopped: \(Self.line(final, previous: nil))")
    }

    /// `up 1.2 MiB, down 34 KiB, 3 connections (1 open)`, plus failures to reach the target.
    static func line(_ counters: LinkCounters, previous: LinkCounters?) -> String {
        var text =
            "up \(NumberFormat.bytes(counters.bytesUpstream)), "
            + "down \(NumberFormat.bytes(counters.bytesDownstream)), "
            + "\(counters.connectionsAccepted) connection\(counters.connectionsAccepted == 1 ? "" : "s") "
            + "(\(counters.connectionsActive) open)"
        if counters.releases > 0 {
            // The emulator's own timing error, on top of the profile's delay.
            text +=
                ", timer late by \(milliseconds(counters.meanReleaseLateness)) ms on average, "
                + "\(milliseconds(counters.maxReleaseLateness)) ms at most"
        }
        if counters.upstreamConnectFailures > (previous?.upstreamConnectFailures ?? 0),
            let error = counters.lastUpstreamError
        {
            text += "; \(counters.upstreamConnectFailures) failed to reach the target: \(error)"
        }
        return text
    }
}

private func milliseconds(_ duration: Duration) -> String {
    NumberFormat.fixed(Double(LinkQuantity.nanosecondsOf(duration)) / 1e6, digits: 2)
}

/// Waits for SIGINT or SIGTERM (which no longer end the process by themselves once this exists).
final class InterruptSignal {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        let queue = DispatchQueue(label: "tandem.bench.link.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Returns once a signal arrives.
    func wait() async {
        for await _ in stream { return }
    }
}
