import ArgumentParser
import Dispatch
import Foundation
import Logging
import TandemServer

/// `tandem serve`'s access options: the API key file and the explicit choice to serve everyone.
struct AccessOptions: ParsableArguments {
    static let keysEnvironmentVariable = "TANDEM_API_KEYS"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "JSON file of API keys clients must present as Authorization: Bearer (default: $TANDEM_API_KEYS); re-read on SIGHUP. See docs/SECURITY.md.",
            valueName: "file"))
    var apiKeys: String?

    @Flag(
        name: .long,
        help: "Without API keys, listen on a non-loopback --host anyway (anyone who reaches it can use the model).")
    var insecureOpen = false

    /// The key file named by `--api-keys` or `TANDEM_API_KEYS`.
    var keyFile: String? {
        if let apiKeys, !apiKeys.isEmpty { return apiKeys }
        if let value = ProcessInfo.processInfo.environment[Self.keysEnvironmentVariable], !value.isEmpty {
            return value
        }
        return nil
    }

    /// The server's access settings (the key file read and validated).
    func access() throws -> ServerAccess {
        guard let keyFile else { return ServerAccess(insecureOpen: insecureOpen) }
        do {
            let keyring = try APIKeyring(path: keyFile)
            guard keyring.count > 0 else {
                throw CommandLineError("\(keyFile) holds no keys: every client would be refused")
            }
            return ServerAccess(keys: keyring, insecureOpen: insecureOpen)
        } catch let error as APIKeyFileError {
            throw CommandLineError("--api-keys: \(error)")
        }
    }
}

/// Re-reads the key file on SIGHUP: a revoked key is refused from its next request on; a file that no
/// longer validates leaves the keys as they were, and the log says why.
enum KeyReloadSignal {
    /// Installs the handler; keep the returned source alive for as long as the server runs.
    static func install(_ keyring: APIKeyring, logger: Logger) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            do {
                let count = try keyring.reload()
                logger.notice(
                    "SIGHUP: re-read \(keyring.path ?? "the key file"): \(count) keys (\(keyring.names.joined(separator: ", ")))"
                )
            } catch {
                logger.error("SIGHUP: kept the previous \(keyring.count) keys: \(error)")
            }
        }
        source.resume()
        return source
    }
}
