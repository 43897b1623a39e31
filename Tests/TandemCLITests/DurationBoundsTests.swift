import Foundation
import TandemLoopbackSupport
import Testing

/// Numeric options that become a `Duration` are bounded: a huge value is a clear error with exit status
/// 1 or 64, never a trap (a trap exits by signal, status ≥ 128 here, with no message).
@Suite("duration options are bounded")
struct DurationBoundsTests {
    static let cases: [(arguments: [String], option: String)] = [
        (["serve", "--model", "/nonexistent.gguf", "--idle-timeout", "1e17"], "--idle-timeout"),
        (["serve", "--model", "/nonexistent.gguf", "--head-timeout", "1e17"], "--head-timeout"),
        (["serve", "--model", "/nonexistent.gguf", "--head-timeout", "0"], "--head-timeout"),
        (["bench", "assist", "--rtt", "1e13"], "--rtt"),
        (["bench", "preempt", "--rtt", "1e13"], "--rtt"),
        (
            [
                "bench", "link", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--rtt", "1ms", "--report-every",
                "1e300",
            ],
            "--report-every"
        ),
    ]

    @Test("a huge duration is refused with a message naming the option", arguments: 0..<cases.count)
    func hugeDurationIsRefused(index: Int) async throws {
        let (arguments, option) = Self.cases[index]
        let output = try await TandemCLI.run(arguments)
        #expect(output.status != 0 && output.status < 128, "status \(output.status): \(output.stderr)")
        #expect(output.stderr.contains(option), "\(output.stderr)")
    }
}
