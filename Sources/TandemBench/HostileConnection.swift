import Logging
import TandemClient
import TandemServer
import TandemUtilities
import TandemWire

/// The hostile side: one WebSocket connection (re-made when the server closes it) and what it has seen,
/// so its wrong-order sequences can aim at a session that is really open.
struct HostileConnection {
    enum Outcome {
        case accepted, refused
        case failed(String)
    }

    let server: RunningServer
    let fingerprint: String
    let vocabularySize: Int
    let timeout: Duration
    let logger: Logger
    private let codec = WireCodec()
    private var link: WebSocketLink?
    private var opened = false
    private var round = 0
    private var base = 0
    private(set) var connections = 0
    private(set) var closedByServer = 0

    init(server: RunningServer, fingerprint: String, vocabularySize: Int, timeout: Duration, logger: Logger) {
        self.server = server
        self.fingerprint = fingerprint
        self.vocabularySize = vocabularySize
        self.timeout = timeout
        self.logger = logger
    }

    mutating func close() async {
        await link?.close()
        link = nil
    }

    private mutating func connected() async throws -> WebSocketLink {
        if let link, !link.isClosed { return link }
        let link = try await WebSocketLink.connect(url: server.assistURL, timeout: timeout, logger: logger)
        self.link = link
        connections += 1
        opened = false
        return link
    }

    /// One hostile input: 60 % a mutated frame, 40 % a step of a wrong-order sequence.
    mutating func step(_ index: Int, generator: WireFuzzInputs, rng: inout SplitMix64) async -> (String, Outcome) {
        if Int.random(in: 0..<10, using: &rng) < 6 {
            let input = generator.input(index)
            // Text frames carry UTF-8: invalid bytes arrive as U+FFFD (the codec fuzz covers the raw bytes).
            let outcome = await send(String(decoding: input.bytes, as: UTF8.self))
            return ("frame." + input.mutation.rawValue, outcome)
        }
        func tokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<vocabularySize, using: &rng) } }
        let open = WireMessage.open(
            OpenMessage(
                draftFingerprint: fingerprint, draftModel: "fuzz", sampling: .greedy,
                prompt: tokens(Int.random(in: 1...16, using: &rng)), maxTokens: Int.random(in: 1...64, using: &rng),
                stopTokens: [], preemptive: Bool.random(using: &rng)))
        let action = Int.random(in: 0..<9, using: &rng)
        let message: WireMessage
        let label: String
        switch action {
        case 0:
            (label, message) = ("seq.open", open)
        case 1:
            (label, message) = (opened ? "seq.doubleOpen" : "seq.open", open)
        case 2:
            (label, message) = ("seq.verify", .verify(VerifyMessage(round: round + 1, base: base, drafts: tokens(4))))
        case 3:
            (label, message) = (
                "seq.replayRound", .verify(VerifyMessage(round: max(0, round), base: base, drafts: tokens(2)))
            )
        case 4:
            // Under the server's default 256 KiB frame cap (a larger frame closes the connection, by design).
            let n = [17, 1000, 30_000].randomElement(using: &rng) ?? 17
            (label, message) = (
                "seq.hugeWindow", .verify(VerifyMessage(round: round + 1, base: base, drafts: tokens(n)))
            )
        case 5:
            // Close, then a round on the fresh connection: before any open.
            await close()
            (label, message) = ("seq.roundBeforeOpen", .verify(VerifyMessage(round: 1, base: 0, drafts: tokens(3))))
        case 6:
            (label, message) = ("seq.generate", .generate(GenerateMessage(round: round + 1, base: base)))
        case 7:
            (label, message) = ("seq.extend", .extend(ExtendMessage(round: round + 1, base: base, tokens: tokens(3))))
        default:
            let far = [-1, Int.min, Int.max, base + 1_000_000, -base].randomElement(using: &rng) ?? -1
            (label, message) = ("seq.farBase", .verify(VerifyMessage(round: round + 1, base: far, drafts: tokens(2))))
        }
        guard let text = try? codec.encode(message) else { return (label, .failed("could not encode")) }
        return (label, await send(text))
    }

    /// Sends a frame and reads its answer (a `generate` streams verdicts up to the finished one).
    private mutating func send(_ text: String) async -> Outcome {
        let sent = try? codec.decode(text)
        let link: WebSocketLink
        do {
            link = try await connected()
            try await link.send(text)
        } catch {
            return .failed("could not connect or send: \(error)")
        }
        if case .close = sent {
            await close()
            return .accepted
        }
        do {
            while true {
                let answer = try codec.decode(try await link.receive(timeout: timeout))
                switch answer {
                case .provisional: continue
                case .verdict(let v):
                    round = v.round
                    base += v.accepted + 1
                    if case .generate = sent, !v.finished { continue }
                    return .accepted
                case .opened(let o):
                    opened = true
                    round = 0
                    base = o.base
                    return .accepted
                case .routed: return .accepted
                case .error(let e):
                    if e.code == .notOpen { opened = false }
                    if e.code == .internal { return .failed("internal error: \(e.message)") }
                    return .refused
                case .open, .verify, .extend, .close, .generate:
                    return .failed("the server sent a client message \(answer.kind)")
                }
            }
        } catch let error as WireError {
            return .failed("the server's answer did not decode: \(error)")
        } catch ClientError.connectionLost(let why) {
            // The server may close a connection it has answered (idle timeout, a close of its own); a
            // close without an answer to a text frame is a failure.
            closedByServer += 1
            await close()
            return .failed("connection closed without an answer: \(why)")
        } catch {
            await close()
            return .failed("no answer within \(timeout) (a hang): \(error)")
        }
    }
}
