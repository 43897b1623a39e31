import Foundation
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemSecurity
import TandemTokenizer
import TandemWire
import TandemWireConversions

/// `tandem generate --draft D --coordinator URL` (or `--server ws://A,ws://B`): assisted generation
/// that fails over between verifiers and, when none is reachable, continues with the draft alone
/// until one answers again. Text streams to stdout; source changes and the stats go to stderr, or
/// everything into one JSON object (`--json`).
struct ResilientGenerate {
    var inputs: GenerateInputs
    var draftPath: String
    var link: LinkOptions
    var policy: any WindowPolicy
    /// Trusted certificates, the required model hash, the verifier secret (the directory's and each server's).
    var security = ClientSecurity()

    typealias Segment = GenerationOutput<GenerationStats>.Segment

    func run() async throws {
        let coordinator = link.coordinator
        let servers = link.servers
        let retryEvery = link.retryEvery
        guard retryEvery >= 1 else { throw CommandLineError("--retry-every must be ≥ 1") }
        let required = link.requireSha256?.lowercased()
        if let required, !RegistryValidation.isSHA256(required) {
            throw CommandLineError(
                "--require-sha256 must be 64 hex digits (the model file's SHA-256, as `sha256sum` prints it)")
        }
        if let coordinator {
            guard let url = URL(string: coordinator), ["http", "https"].contains(url.scheme ?? ""), url.host != nil
            else {
                throw CommandLineError("--coordinator must be http://HOST:PORT, got \"\(coordinator)\"")
            }
        }
        for server in servers {
            do {
                try RegistryValidation.address(server)
            } catch {
                throw CommandLineError("--server: \(error)")
            }
        }
        guard coordinator == nil || servers.isEmpty else {
            throw CommandLineError(
                "give --coordinator or --server, not both: the coordinator's list replaces explicit addresses")
        }
        guard coordinator != nil || !servers.isEmpty else {
            throw CommandLineError("give --coordinator http://HOST:PORT or --server ws://HOST:PORT[,ws://HOST:PORT…]")
        }
        let setup = try DraftSetup(draftPath: draftPath, inputs: inputs, mode: "assisted")
        let directory = VerifierDirectory(
            coordinator.map { .coordinator(url: $0, fingerprint: setup.tokenizer.fingerprint, sha256: required) }
                ?? .addresses(servers), security: security)
        let client = ResilientClient(
            draft: setup.draft, draftName: setup.draftName, tokenizer: setup.tokenizer,
            directory: directory, policy: policy, requireSha256: required,
            configuration: .init(retryEveryTokens: retryEvery), apiKey: inputs.apiKey)
        var final: (GenerationResult, String)?
        var segments: [Segment] = []
        var count = 0
        var wentLocal = false
        for try await event in client.generate(setup.request) {
            switch event {
            case .token(_, let text, let source):
                if segments.last?.source != source { segments.append(Segment(source: source, start: count, count: 0)) }
                segments[segments.count - 1].count += 1
                count += 1
                ClientRun.show(text, json: inputs.json)
            case .source(let source, let reason):
                guard !inputs.json else { continue }
                switch source {
                case .local:
                    wentLocal = true
                    let short = reason.count > 160 ? reason.prefix(160) + "…" : reason[...]
                    Self.note("[local: no verifier reachable (\(short)); continuing with the draft alone]")
                case .verified where wentLocal:
                    Self.note("[assisted again: \(reason)]")
                case .verified:
                    break
                }
            case .finished(let result, let text):
                final = (result, text)
            }
        }
        guard let (result, text) = final else { throw CancellationError() }
        let used = await client.verifier.history
        if inputs.json {
            try JSONOutput.print(
                GenerationOutput(
                    tokens: result.tokens, text: text, segments: segments, verifiers: used, stats: result.stats))
        } else {
            var block = StatsText.block(result.stats)
            block += "local tokens        \(result.stats.localTokens)\n"
            block +=
                "failovers           \(result.stats.failovers)\(used.isEmpty ? "" : " (verifiers: \(used.joined(separator: ", ")))")\n"
            ClientRun.finishText(block: block)
        }
    }

    /// A line on stderr between streamed text.
    private static func note(_ line: String) {
        fflush(nil)
        FileHandle.standardError.write(Data("\n\(line)\n".utf8))
    }
}
