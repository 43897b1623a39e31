import Synchronization

/// Samples a process's resident memory every 50 ms while a run goes on, keeping the first reading and
/// the peak.
final class ResidentMemorySampler: Sendable {
    private let read: @Sendable () -> Int?
    private let state = Mutex<(first: Int?, peak: Int?)>((nil, nil))
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts sampling `read` (bytes; nil: unknown).
    init(_ read: @escaping @Sendable () -> Int?) {
        self.read = read
        sample()
        let sampling = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                self?.sample()
            }
        }
        task.withLock { $0 = sampling }
    }

    private func sample() {
        guard let now = read() else { return }
        state.withLock {
            if $0.first == nil { $0.first = now }
            $0.peak = max($0.peak ?? 0, now)
        }
    }

    /// Stops sampling; the first reading and the peak, in MiB.
    func stop() -> (startMB: Double?, peakMB: Double?) {
        task.withLock { $0?.cancel() }
        sample()
        let (first, peak) = state.withLock { $0 }
        return (first.map { Double($0) / 1_048_576 }, peak.map { Double($0) / 1_048_576 })
    }
}
