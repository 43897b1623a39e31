import ArgumentParser
import Foundation

/// `--api-key` of the commands that connect to a verifier (`generate`, `proxy`): sent as
/// `Authorization: Bearer KEY` on every WebSocket upgrade. The environment variable keeps the key out
/// of `ps`.
struct APIKeyOption: ParsableArguments {
    static let environmentVariable = "TANDEM_API_KEY"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The verifier's API key, sent as Authorization: Bearer (default: $TANDEM_API_KEY).", valueName: "key"))
    var apiKey: String?

    /// `--api-key`, else `TANDEM_API_KEY`, else nil.
    var resolved: String? {
        if let apiKey, !apiKey.isEmpty { return apiKey }
        if let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty { return value }
        return nil
    }
}
