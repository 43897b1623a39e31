import Foundation
import TandemLoopbackSupport
import TandemModel
import TandemServer
import TandemTokenizer
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

    @Test func aKeyedExternalServerIsMeasuredWithItsKeyAndRefusesARunWithout() async throws {
        let key = "lk-load-0123456789abcdef"
        let model = try Model(path: Self.target, threads: 1)
        let tokenizer = try Tokenizer(gguf: model.file)
        let target = TargetModel(model: model, id: "target.gguf", tokenizer: tokenizer)
        let access = ServerAccess(keys: APIKeyring(keys: [APIKey(name: "load", key: key)]))
        try await withVerifierServer(model: target, access: access) { _, running in
            func run(_ apiKey: String?) async throws -> LoadBenchmark.Report {
                try await LoadBenchmark(
                    server: .external(url: "ws://127.0.0.1:\(running.port)", cappedURL: nil, pid: nil), sessions: [2],
                    rounds: 2, window: 2, cap: 0, cappedSessions: 0, httpConcurrency: [1], httpRequests: 2,
                    maxTokens: 2,
                    apiKey: apiKey
                ).run()
            }
            let report = try await run(key)
            #expect(report.websocket.first?.admitted == 2 && report.websocket.first?.errors.isEmpty == true)
            #expect(report.http.first?.ok == 4 && report.http.first?.errors.isEmpty == true)
            for wrong in [nil, "lk-load-wrong"] {
                await #expect(throws: OpenAPISubsetError.self, "key \(wrong ?? "none")") { _ = try await run(wrong) }
            }
        }
    }

    @Test func failuresAreNamedByKind() {
        #expect(WebSocketLoadDriver.kind(of: WireErrorStub.limit) == "other.WireErrorStub")
        #expect(RawHTTPResponse.dechunk(Array("3\r\nabc\r\n0\r\n\r\n".utf8)) == Array("abc".utf8))
        #expect(RawHTTPResponse.dechunk(Array("3\r\nabc\r\n".utf8)) == nil)
    }

    enum WireErrorStub: Error { case limit }
}
