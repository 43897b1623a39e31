import Foundation
import TandemLoopbackSupport
import Testing

/// `--tls-cert`/`--tls-key`, `--ca`, `--require-sha256` and `--verifier-secret` on real `tandem`
/// processes: a TLS verifier with a secret, clients that trust it or not, and bad PEM files.
@Suite("TLS and integrity options of the tandem executable", .serialized, .timeLimit(.minutes(5)))
struct SecurityCommandLineTests {
    @Test("missing or bad PEM files exit with status 1 naming the file, before anything loads")
    func badPEMFiles() async throws {
        let pki = try TestPKI()
        let files = try pki.writeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let missing = files.directory.appendingPathComponent("nope.pem").path
        let runs: [[String]] = [
            ["serve", "--model", Bundled.target, "--port", "0", "--tls-cert", missing, "--tls-key", files.key],
            ["coordinator", "--port", "0", "--secret", "s", "--tls-cert", files.certificate, "--tls-key", missing],
            [
                "proxy", "--draft", Bundled.draft, "--local-only", "--port", "0", "--tls-cert", missing, "--tls-key",
                files.key,
            ],
            ["generate", "--draft", Bundled.draft, "--server", "wss://localhost:9", "--ca", missing, "--prompt", "x"],
        ]
        for arguments in runs {
            let run = try await TandemCLI.run(arguments)
            #expect(run.status == 1, "\(arguments[0])")
            #expect(run.stderr.contains(missing), "\(arguments[0]): \(run.stderr)")
        }
        let notPEM = try await TandemCLI.run([
            "serve", "--model", Bundled.target, "--port", "0", "--tls-cert", files.key, "--tls-key", files.key,
        ])
        #expect(notPEM.status == 1)
        #expect(notPEM.stderr.contains(files.key) && notPEM.stderr.contains("PEM"), "\(notPEM.stderr)")
        let half = try await TandemCLI.run([
            "coordinator", "--port", "0", "--secret", "s", "--tls-cert", files.certificate,
        ])
        #expect(half.status == 1)
        #expect(half.stderr.contains("--tls-key"), "\(half.stderr)")
    }

    @Test(
        "generate over wss:// with --ca, the right hash and the secret; refused without the CA, with a wrong hash or secret"
    )
    func verifierOverTLS() async throws {
        let pki = try TestPKI()
        let files = try pki.writeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let verifier = try await SpawnedTandem.launch([
            "serve", "--model", Bundled.target, "--port", "0", "--threads", "1",
            "--tls-cert", files.certificate, "--tls-key", files.key, "--secret", "cli-secret",
        ])
        defer { verifier.stop() }
        let port = try #require(verifier.banner.firstMatch(of: /wss:\/\/127\.0\.0\.1:(\d+)/).map { String($0.1) })
        let sha = try #require(verifier.banner.firstMatch(of: /sha256 ([0-9a-f]{64})/).map { String($0.1) })
        let server = "wss://localhost:\(port)"
        let common = [
            "generate", "--draft", Bundled.draft, "--server", server, "--prompt", "Return the", "--max-tokens", "12",
        ]

        let good = try await TandemCLI.run(
            common + ["--ca", files.ca, "--require-sha256", sha, "--verifier-secret", "cli-secret", "--json"])
        #expect(good.status == 0, "\(good.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        #expect((json["tokens"] as? [Int])?.isEmpty == false)

        let untrusted = try await TandemCLI.run(common)
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("certificate not trusted"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("--ca"))

        let wrongHash = try await TandemCLI.run(
            common + ["--ca", files.ca, "--require-sha256", String(repeating: "0", count: 64)])
        #expect(wrongHash.status == 1)
        #expect(wrongHash.stderr.contains("not the required"), "\(wrongHash.stderr)")

        let wrongSecret = try await TandemCLI.run(common + ["--ca", files.ca, "--verifier-secret", "guess"])
        #expect(wrongSecret.status == 1)
        #expect(wrongSecret.stderr.contains("wrong proof"), "\(wrongSecret.stderr)")
    }
}
