import Foundation
import TandemLoopbackSupport
import TandemWire
import Testing

@testable import TandemClient

@Suite("WebSocketLink.receive")
struct WebSocketLinkTests {
    enum Outcome: Sendable, Equatable {
        case frame
        case concurrent
        case cancelled
        case other(String)
    }

    static func outcome(_ body: @Sendable () async throws -> String) async -> Outcome {
        do {
            _ = try await body()
            return .frame
        } catch ClientError.concurrentReceive {
            return .concurrent
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .other("\(error)")
        }
    }

    @Test("a second concurrent receive is refused; cancelling the waiting one ends it; the link still works")
    func oneReceiverAndCancellation() async throws {
        try await withServer { server in
            let raw = try await RawConnection.connect(server)
            let link = raw.link
            let (outcomes, sink) = AsyncStream.makeStream(of: Outcome.self)
            // The server answers nothing unasked, so both wait until one is refused and the other cancelled.
            let first = Task { sink.yield(await Self.outcome { try await link.receive(timeout: .seconds(600)) }) }
            let second = Task { sink.yield(await Self.outcome { try await link.receive(timeout: .seconds(600)) }) }
            var iterator = outcomes.makeAsyncIterator()
            #expect(await iterator.next() == .concurrent)
            first.cancel()
            second.cancel()
            #expect(await iterator.next() == .cancelled)
            // A frame after the cancelled wait goes to the next receive.
            let answer = try await raw.send("not json")
            guard case .error(let error) = answer else {
                Issue.record("expected an error frame, got \(answer)")
                return
            }
            #expect(error.code == .badFrame)
            await raw.close()
        }
    }
}
