import ArgumentParser
import Foundation
import TandemSecurity

/// `--ca FILE`: a private CA, added to the system's trust store for `wss://` and `https://`.
struct TrustOptions: ParsableArguments {
    @Option(
        name: .customLong("ca"),
        help: ArgumentHelp(
            "Trust this private CA (PEM) for wss:// and https://, besides the system's store.", valueName: "file"))
    var caFile: String?

    /// The trusted roots; a missing, unreadable or bad `--ca` file exits 1 naming it.
    func trust() throws -> ClientTrust {
        do {
            return try ClientTrust.load(caFile: caFile)
        } catch {
            throw CommandLineError("--ca: \(error)")
        }
    }
}

/// A client's checks on verifiers: `--ca` (TrustOptions) and `--verifier-secret` (a genuine verifier
/// proves it holds it at each open; coordinator listing entries must be signed with it).
struct ClientSecurityOptions: ParsableArguments {
    static let secretEnvironmentVariable = "TANDEM_VERIFIER_SECRET"

    @OptionGroup var trustOptions: TrustOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse verifiers that cannot prove they hold this secret (the coordinator's --secret; default: $TANDEM_VERIFIER_SECRET).",
            valueName: "secret"))
    var verifierSecret: String?

    /// Trust, the verifier secret and `requireSha256` together.
    func security(requireSha256: String? = nil) throws -> ClientSecurity {
        let flag = verifierSecret ?? ProcessInfo.processInfo.environment[Self.secretEnvironmentVariable]
        return ClientSecurity(
            trust: try trustOptions.trust(), requireSha256: requireSha256,
            verifierSecret: flag.flatMap(VerifierSecret.init))
    }
}
