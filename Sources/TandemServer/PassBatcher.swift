import Foundation
import Synchronization
import TandemModel
import TandemUtilities

/// Continuous batching for one model: evaluations that sessions submit while a pass runs are
/// gathered into the next pass (`Model.forward(batch:)`), up to `maxPositions` new positions.
///
/// There is no batching thread: the first waiting caller that finds no pass running leads the next
/// one, runs it on its own thread, hands every request its output and wakes the others. Before a
/// pass starts it waits (at most half the last pass's time and `maxLinger`) until every session of
/// the last pass has come back: otherwise two sessions settle into alternating passes of one each,
/// each arriving while the other's pass runs. Order is
/// fair: a pass always takes the oldest waiting request (even one larger than the cap, alone), then
/// younger ones in arrival order that still fit, so a large window can delay a small one by at most
/// one pass and a small one can never starve a large one. Each position's logits are bit-identical
/// to a pass of its session alone.
public final class PassBatcher: @unchecked Sendable {
    // @unchecked Sendable: every mutable field (`pending`, `running`, `observers`, `lastPass`,
    // `lingerUntil`) and every
    // request's `result` is read and written only while `condition` is locked. A request's session is
    // touched only by the thread that runs its pass, while the submitting thread waits in `submit`;
    // the lock hand-over orders those accesses.

    /// Most new positions one pass takes (a single larger request still runs, alone).
    public let maxPositions: Int
    let model: Model
    private let condition = NSCondition()
    private var pending: [Request] = []
    private var running = false
    private var observers: [@Sendable (PassReport) -> Void] = []
    /// The sessions of the last pass, and until when the next pass waits for them to come back.
    private var lastPass: Set<ObjectIdentifier> = []
    private var lingerUntil: Date?
    /// How long the next pass may wait for the last pass's sessions: half the last pass's time, at
    /// most `maxLinger` seconds. A lone session never waits (it is the one coming back).
    static let lingerFraction = 0.5
    /// The longest the next pass waits for the last pass's sessions, in seconds (0: never).
    public let maxLinger: Double

    /// Every session of the last pass is waiting again (lock held).
    private var returned: Bool {
        lastPass.isSubset(of: Set(pending.map { ObjectIdentifier($0.session) }))
    }

    /// - Parameters:
    ///   - maxPositions: clamped to ≥ 1.
    ///   - maxLinger: the longest (seconds) a pass waits for the last pass's sessions to come back;
    ///     clamped to ≥ 0.
    public init(model: Model, maxPositions: Int, maxLinger: Double = EngineServing.standard.maxBatchLingerSeconds) {
        self.model = model
        self.maxPositions = max(1, maxPositions)
        self.maxLinger = max(0, maxLinger.isFinite ? maxLinger : 0)
    }

    /// Calls `observer` after every pass (from the thread that ran it; it must return quickly).
    public func addObserver(_ observer: @escaping @Sendable (PassReport) -> Void) {
        condition.lock()
        observers.append(observer)
        condition.unlock()
    }

    /// Evaluates `tokens` on `session` in the next pass and blocks the calling thread until it has
    /// run. Throws what the pass throws for this request (its session unchanged).
    public func submit(_ session: ModelSession, tokens: [Int], logits: LogitsRequest) throws -> BatchedOutput {
        let request = Request(session: session, tokens: tokens, logits: logits)
        condition.lock()
        pending.append(request)
        condition.broadcast()
        while request.result == nil {
            if running {
                condition.wait()
                continue
            }
            if let deadline = lingerUntil, Date() < deadline, !returned {
                // Sessions of the last pass usually come straight back with their next round: wait
                // (briefly) so they join this pass instead of alternating out of phase with it.
                _ = condition.wait(until: deadline)
                continue
            }
            running = true
            lingerUntil = nil
            let batch = takeBatch()
            condition.unlock()
            let (report, results) = run(batch)
            condition.lock()
            for (r, result) in zip(batch, results) { r.result = result }
            lastPass = Set(batch.map { ObjectIdentifier($0.session) })
            lingerUntil = Date(timeIntervalSinceNow: min(Self.lingerFraction * report.passSeconds, maxLinger))
            running = false
            let observers = self.observers
            condition.broadcast()
            condition.unlock()
            for observer in observers { observer(report) }
            condition.lock()
        }
        let result = request.result
        condition.unlock()
        switch result {
        case .success(let output): return output
        case .failure(let error): throw error
        case nil: throw CancellationError()  // unreachable: the loop ends only with a result
        }
    }

    /// The oldest request, then younger ones in order while the positions fit (lock held).
    private func takeBatch() -> [Request] {
        let chosen = Set(
            Self.plan(
                positions: pending.map(\.tokens.count), sessions: pending.map { ObjectIdentifier($0.session) },
                cap: maxPositions))
        let taken = pending.indices.filter { chosen.contains($0) }.map { pending[$0] }
        pending = pending.indices.filter { !chosen.contains($0) }.map { pending[$0] }
        return taken
    }

    /// Which waiting requests (oldest first; their sizes and sessions) the next pass takes, by index:
    /// always the oldest, even when it alone exceeds `cap`; then each younger one, in order, that
    /// still fits and whose session is not in the pass yet (its second request needs the first's cache).
    static func plan(positions: [Int], sessions: [ObjectIdentifier], cap: Int) -> [Int] {
        guard let first = positions.first else { return [] }
        var taken = [0]
        var total = first
        var seen: Set<ObjectIdentifier> = [sessions[0]]
        for i in positions.indices.dropFirst() where total + positions[i] <= cap && !seen.contains(sessions[i]) {
            taken.append(i)
            total += positions[i]
            seen.insert(sessions[i])
        }
        return taken
    }

    /// Runs one pass; when it fails as a whole, each request runs alone so one bad request (a budget
    /// refusal, a context overflow) fails only itself.
    private func run(_ batch: [Request]) -> (PassReport, [Result<BatchedOutput, any Error>]) {
        let clock = ContinuousClock()
        let started = clock.now
        let positions = batch.reduce(0) { $0 + $1.tokens.count }
        var outputs: [Result<ForwardOutput, any Error>]
        do {
            outputs = try model.forward(
                batch: batch.map { BatchEntry(session: $0.session, tokens: $0.tokens, logits: $0.logits) }
            ).map { .success($0) }
        } catch {
            outputs = batch.map { r in
                Result {
                    try model.forward(batch: [BatchEntry(session: r.session, tokens: r.tokens, logits: r.logits)])[0]
                }
            }
        }
        let passSeconds = (clock.now - started).seconds
        let queueSeconds = batch.map { (started - $0.submitted).seconds }
        let report = PassReport(
            sessions: batch.count, positions: positions, passSeconds: passSeconds, queueSeconds: queueSeconds)
        let results = zip(batch, outputs).enumerated().map { i, pair in
            pair.1.map { output in
                BatchedOutput(
                    output: output, sessions: batch.count, positions: positions, queueSeconds: queueSeconds[i],
                    passSeconds: passSeconds)
            }
        }
        return (report, results)
    }

    private final class Request {
        let session: ModelSession
        let tokens: [Int]
        let logits: LogitsRequest
        let submitted = ContinuousClock.now
        var result: Result<BatchedOutput, any Error>?

        init(session: ModelSession, tokens: [Int], logits: LogitsRequest) {
            self.session = session
            self.tokens = tokens
            self.logits = logits
        }
    }
}

/// One request's share of a batched pass.
public struct BatchedOutput: Sendable {
    public var output: ForwardOutput
    /// Sessions and new positions in the pass that served the request.
    public var sessions: Int
    public var positions: Int
    /// Seconds the request waited for its pass to start, and the pass's own seconds.
    public var queueSeconds: Double
    public var passSeconds: Double
}

/// What one pass did (for metrics).
public struct PassReport: Sendable {
    public var sessions: Int
    public var positions: Int
    public var passSeconds: Double
    /// Per request, seconds from submission to the start of the pass.
    public var queueSeconds: [Double]
}
