import Foundation
import Testing

@testable import TandemBench

/// A short load run against an in-process verifier with the bundled target: the counts add up, and a
/// run over the session cap has its excess refused with `session_limit` and counted as such.
struct LoadBenchmarkTests {
    static let target = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/target.gguf").path

    @Test func countsAddUpAndTheExcessOverTheCapIsRefusedBySessionLimit() async throws {
        let benchmark = LoadBenchmark(
            server: .inProcess(targetPath: Self.target, threads: 1), sessions: [1, 3], rounds: 3, window: 2, cap: 2,
            cappedSessions: 5, httpConcurrency: [2], httpRequests: 4, maxTokens: 4)
        let report = try await benchmark.run()
        #expect(report.websocket.map(\.sessions) == [1, 3])
        for row in report.websocket {
            #expect(row.admitted == row.sessions)
            #expect(row.refused == 0)
            #expect(row.completed == row.sessions)
            #expect(row.errors.isEmpty)
            // Each session sends its rounds until done (a stop token may end one early).
            #expect(row.rounds >= row.sessions && row.rounds <= row.sessions * 3)
            #expect(row.p50RoundMs <= row.p99RoundMs)
        }
        let uncapped = try #require(report.uncappedAtCap)
        #expect(uncapped.sessions == 2 && uncapped.admitted == 2 && uncapped.errors.isEmpty)
        let capped = try #require(report.capped)
        #expect(capped.sessions == 5)
        #expect(capped.maxSessions == 2)
        #expect(capped.admitted == 2)
        #expect(capped.refused == 3)
        #expect(capped.admitted + capped.refused == capped.sessions)
        #expect(capped.completed == 2)
        #expect(capped.errors == ["wire.session_limit": 3])
        let http = try #require(report.http.first)
        #expect(http.concurrency == 2 && http.requests == 8 && http.ok == 8)
        #expect(http.errors.isEmpty)
        #expect(http.tokensPerS > 0)
        #expect(LoadBenchmark.markdown(report).contains("wire.session_limit 3"))
    }

    @Test func failuresAreNamedByKind() {
        #expect(WebSocketLoadDriver.kind(of: WireErrorStub.limit) == "other.WireErrorStub")
        #expect(RawHTTPResponse.dechunk(Array("3\r\nabc\r\n0\r\n\r\n".utf8)) == Array("abc".utf8))
        #expect(RawHTTPResponse.dechunk(Array("3\r\nabc\r\n".utf8)) == nil)
    }

    enum WireErrorStub: Error { case limit }
}
