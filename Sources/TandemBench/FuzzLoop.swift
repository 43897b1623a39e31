/// How one fuzz input ended.
enum FuzzOutcome: Sendable, Equatable {
    /// A decoded message, a parsed file, a non-error answer.
    case accepted
    /// Refused with the component's typed error.
    case refused
    /// Anything else: a bug, described for a person.
    case failed(String)
}

/// The run loop every fuzz campaign shares: inputs `start..<start + inputs` in batches; before each batch
/// the progress file names it (a crash kills the process, and the file then says which inputs to
/// replay); each input is timed and counted by mutation and outcome; the whole run is timed.
struct FuzzLoop: Sendable {
    var target: String
    var seed: UInt64
    var start: Int
    var inputs: Int
    /// Inputs per batch (one progress write each).
    var batch: Int
    var progress: FuzzProgress

    /// Runs `step` (input index → its mutation and outcome) over every input, in this thread.
    func run(into report: inout FuzzReport, step: (Int) -> (mutation: String, outcome: FuzzOutcome)) {
        let clock = ContinuousClock()
        let began = clock.now
        var index = start
        while index < start + inputs {
            let end = min(start + inputs, index + max(1, batch))
            progress.batch(target: target, seed: seed, start: index, end: end)
            for i in index..<end {
                let t0 = clock.now
                let (mutation, outcome) = step(i)
                Self.count(i, mutation: mutation, outcome: outcome, seconds: (clock.now - t0).seconds, into: &report)
            }
            index = end
        }
        report.totalSeconds = (clock.now - began).seconds
        progress.finished(target: target, seed: seed, inputs: report.inputs)
    }

    /// Runs `step` over every input, one at a time; `afterBatch` gets each batch's end index (a campaign
    /// samples memory there).
    func run(
        into report: inout FuzzReport, afterBatch: (Int, inout FuzzReport) async -> Void = { _, _ in },
        step: (Int) async -> (mutation: String, outcome: FuzzOutcome)
    ) async {
        let clock = ContinuousClock()
        let began = clock.now
        var index = start
        while index < start + inputs {
            let end = min(start + inputs, index + max(1, batch))
            progress.batch(target: target, seed: seed, start: index, end: end)
            for i in index..<end {
                let t0 = clock.now
                let (mutation, outcome) = await step(i)
                Self.count(i, mutation: mutation, outcome: outcome, seconds: (clock.now - t0).seconds, into: &report)
            }
            await afterBatch(end, &report)
            index = end
        }
        report.totalSeconds = (clock.now - began).seconds
        progress.finished(target: target, seed: seed, inputs: report.inputs)
    }

    private static func count(
        _ index: Int, mutation: String, outcome: FuzzOutcome, seconds: Double, into report: inout FuzzReport
    ) {
        report.record(index: index, mutation: mutation, seconds: seconds)
        switch outcome {
        case .accepted: report.accepted += 1
        case .refused: report.refused += 1
        case .failed(let why): report.fail("input \(index) (\(mutation)): \(why)")
        }
    }
}
