import NIOCore
import Synchronization

/// The shared book of one emulator: counters and the connections open now, so `stop()` can close them.
/// Written from the event loop, read from anywhere.
final class LinkTracker: Sendable {
    private struct State: Sendable {
        var counters = LinkCounters()
        var channels: [ObjectIdentifier: Channel] = [:]
        var nextConnection: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    var counters: LinkCounters { state.withLock { $0.counters } }

    /// Registers an accepted client connection; returns its index (for the jitter stream) or nil when the
    /// emulator is stopping and the connection should be refused.
    func accepted(_ channel: Channel) -> UInt64? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.counters.connectionsAccepted += 1
            state.channels[ObjectIdentifier(channel)] = channel
            defer { state.nextConnection += 1 }
            return state.nextConnection
        }
    }

    /// Records a relayed pair as open; returns false when the emulator stopped meanwhile.
    func opened(_ upstream: Channel) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.channels[ObjectIdentifier(upstream)] = upstream
            state.counters.connectionsActive += 1
            return true
        }
    }

    /// Records that both sides of a relayed pair are closed.
    func closed(_ client: Channel, _ upstream: Channel) {
        state.withLock { state in
            state.channels[ObjectIdentifier(client)] = nil
            state.channels[ObjectIdentifier(upstream)] = nil
            state.counters.connectionsActive -= 1
        }
    }

    /// Records a client connection dropped because the target could not be reached.
    func upstreamFailed(_ client: Channel, error: any Error) {
        state.withLock { state in
            state.channels[ObjectIdentifier(client)] = nil
            state.counters.upstreamConnectFailures += 1
            state.counters.lastUpstreamError = "\(error)"
        }
    }

    /// Records one release: `bytes` handed to the output, `lateness` after the time it was due.
    func released(_ bytes: Int, _ direction: LinkDirectionKind, lateness: Duration) {
        state.withLock { state in
            state.counters.releases += 1
            state.counters.totalReleaseLateness += lateness
            if lateness > state.counters.maxReleaseLateness { state.counters.maxReleaseLateness = lateness }
            switch direction {
            case .upstream: state.counters.bytesUpstream += bytes
            case .downstream: state.counters.bytesDownstream += bytes
            }
        }
    }

    func queued(_ bytes: Int) {
        state.withLock { state in
            if bytes > state.counters.peakQueuedBytes { state.counters.peakQueuedBytes = bytes }
        }
    }

    /// Marks the emulator stopped and hands back every channel still open.
    func closeAll() -> [Channel] {
        state.withLock { state in
            state.closed = true
            return Array(state.channels.values)
        }
    }
}
