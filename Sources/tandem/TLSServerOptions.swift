import ArgumentParser
import TandemSecurity

/// `--tls-cert FILE --tls-key FILE`: serve `wss://` / `https://` (verifier, coordinator, proxy).
struct TLSServerOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "Serve TLS (wss://, https://) with this certificate chain (PEM, leaf first); needs --tls-key.",
            valueName: "file"))
    var certificate: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("The private key of --tls-cert (PEM).", valueName: "file"))
    var key: String?

    /// The identity, or nil without both options; a missing, unreadable or bad file exits 1 naming it.
    func load() throws -> ServerTLS? {
        do {
            return try ServerTLS.load(certificateFile: certificate, keyFile: key)
        } catch {
            throw CommandLineError("TLS: \(error)")
        }
    }
}
