import TandemKernels
import TandemModel

/// `--cpu N` (`serve`, `generate`): pins compute to one CPU, so two processes (or, in `bench assist`,
/// two models) behave like two one-core devices. Linux only; elsewhere the option fails clearly.
enum CPUOption {
    /// Pins the calling (main) thread, so the threads the process starts from now on inherit CPU `cpu`.
    static func pinProcess(_ cpu: Int) throws {
        do {
            try CPUAffinity.pinCurrentThread(to: [cpu])
        } catch {
            throw CommandLineError("--cpu \(cpu): \(error)")
        }
    }

    /// Pins `model`'s compute pool (its workers and every thread that runs its passes) to CPU `cpu`.
    static func pin(_ model: Model, to cpu: Int) throws {
        do {
            try model.pool.pin(to: [cpu])
        } catch {
            throw CommandLineError("--cpu \(cpu): \(error)")
        }
    }
}
