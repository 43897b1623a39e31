import ArgumentParser
import Foundation
import Logging
import TandemModel
import TandemServer
import TandemTokenizer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a target model as a verifier for assisted generation (WebSocket /v1/assist).",
        discussion: """
            Clients holding a draft model with the same tokenizer connect at ws://HOST:PORT/v1/assist. \
            GET /health answers 200 once the model is loaded; GET /v1/models describes it; GET /metrics \
            has Prometheus metrics. One forward pass runs at a time; each session keeps its own KV cache.

            Clients that open with preemptive drafting (tandem generate --preemptive) get a provisional \
            verdict mid-pass, read from early-exit layer --exit-layer (default: the model's trained exit \
            head, else the middle layer through the model's own head).

            Example:
              tandem serve --model Models/target.gguf --port 8080
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --prompt "Hello"
              tandem serve --model Models/target.gguf --port 8080 --exit-layer 3
            """
    )

    @Option(name: .long, help: ArgumentHelp("The target model (GGUF).", valueName: "file"))
    var model: String

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Most sessions open at once (one KV cache each).")
    var maxSessions = 8

    @Option(name: .long, help: "Most draft tokens in one verification round.")
    var maxWindow = 16

    @Option(name: .long, help: "Most tokens in a session (default: the model's context length).")
    var maxContext: Int?

    @Option(name: .long, help: "Seconds a silent session is kept before it is closed.")
    var idleTimeout: Double = 300

    @Option(name: .long, help: ArgumentHelp("Layer whose early exit makes provisional verdicts (1…layers; default: the trained exit head, else the middle).", valueName: "L"))
    var exitLayer: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard maxSessions >= 1 else { throw ValidationError("--max-sessions must be ≥ 1") }
        guard (1...256).contains(maxWindow) else { throw ValidationError("--max-window must be in 1…256") }
        guard maxContext.map({ $0 >= 2 }) ?? true else { throw ValidationError("--max-context must be ≥ 2") }
        guard idleTimeout > 0, idleTimeout.isFinite else { throw ValidationError("--idle-timeout must be > 0 seconds") }
    }

    func run() async throws {
        let target: TargetModel
        do {
            var options = try ModelRunOptions.parse([])
            options.model = model
            options.threads = threads
            let loaded = try options.loadModel()
            guard let tokenizer = TokenText.tokenizer(for: loaded.file) else {
                throw CommandLineError("\(model) has no usable tokenizer; a verifier needs one so drafts can be matched to it")
            }
            let id = (model as NSString).lastPathComponent
            if let exitLayer {
                guard (1...loaded.config.layerCount).contains(exitLayer) else {
                    throw CommandLineError("--exit-layer \(exitLayer) is outside \(id)'s layers 1…\(loaded.config.layerCount)")
                }
                target = try TargetModel(model: loaded, id: id, tokenizer: tokenizer, exitLayer: exitLayer)
            } else {
                target = TargetModel(model: loaded, id: id, tokenizer: tokenizer)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let limits = ServerLimits(maxSessions: maxSessions, maxWindow: maxWindow, contextLength: maxContext,
                                  idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))
        var logger = Logger(label: "tandem.serve")
        logger.logLevel = .notice
        let server = VerifierServer(model: target, limits: limits, host: host, port: port, logger: logger)
        let host = self.host
        try await server.run(handlingSignals: true) { port in
            print("tandem: serving \(target.id) (vocabulary \(target.vocabularySize), context \(target.contextLength)) "
                  + "at ws://\(host):\(port)/v1/assist — health: http://\(host):\(port)/health")
            fflush(nil)
        }
    }
}
