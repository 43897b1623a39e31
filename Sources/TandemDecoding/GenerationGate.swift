import Synchronization

/// Lets one generation at a time through a generator, whose drafter and verifier hold one session each.
final class GenerationGate: Sendable {
    private let busy = Mutex(false)

    /// Claims the generator; throws `GenerationError.generatorBusy` while another generation holds it.
    func enter() throws {
        let claimed = busy.withLock { isBusy in
            defer { isBusy = true }
            return !isBusy
        }
        guard claimed else { throw GenerationError.generatorBusy }
    }

    /// Releases the claim of `enter()`.
    func leave() {
        busy.withLock { $0 = false }
    }
}
