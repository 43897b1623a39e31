import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import Synchronization
import TandemDecoding
import TandemSecurity
import TandemUtilities
import TandemWire
import TandemWireConversions

/// Where a client may go for verification: a fixed list of `ws://` addresses, or a coordinator's
/// ranked listing of healthy verifiers with the client's tokenizer (least loaded first).
///
/// When the coordinator cannot be reached, the last listing it gave is used, so a client keeps
/// working with known verifiers while the coordinator is away.
public final class VerifierDirectory: Sendable {
    /// Where the addresses come from.
    public enum Source: Sendable, Equatable {
        /// These addresses, in this order.
        case addresses([String])
        /// The coordinator at `url` (`http://host:port`), asked for verifiers serving a tokenizer with
        /// `fingerprint` and, when given, a model file with SHA-256 `sha256`.
        case coordinator(url: String, fingerprint: String, sha256: String?)
    }

    public let source: Source
    /// Longest wait for the coordinator's answer.
    public let timeout: Duration
    /// Trusted certificates (the coordinator's `https://`, the verifiers' `wss://`), the verifier secret
    /// listing entries must be signed with, the required model hash: used by the failover client too.
    public let security: ClientSecurity
    private let lastListing = Mutex<[String]>([])

    public init(_ source: Source, timeout: Duration = .seconds(5), security: ClientSecurity = ClientSecurity()) {
        self.source = source
        self.timeout = timeout
        self.security = security
    }

    /// The addresses to try, best first. Throws `VerifierUnavailable` when the coordinator cannot be
    /// reached and has never answered.
    public func candidates() async throws -> [String] {
        switch source {
        case .addresses(let list):
            return list
        case .coordinator(let url, let fingerprint, let sha256):
            let listing: VerifierListing
            do {
                listing = try await fetch(url: url, fingerprint: fingerprint, sha256: sha256)
            } catch {
                let cached = lastListing.withLock { $0 }
                guard !cached.isEmpty else { throw VerifierUnavailable("coordinator \(url) unreachable (\(error))") }
                return cached
            }
            let addresses = try trusted(listing).map(\.address)
            lastListing.withLock { $0 = addresses }
            return addresses
        }
    }

    /// The listing's entries signed with the verifier secret (all of them when there is no secret).
    /// Throws `IntegrityError.noTrustedVerifier` when entries were listed and none is signed right.
    public func trusted(_ listing: VerifierListing) throws(IntegrityError) -> [VerifierEntry] {
        guard let secret = security.verifierSecret else { return listing.verifiers }
        var refused: [String] = []
        let good = listing.verifiers.filter { entry in
            if secret.verifies(entry.registration) { return true }
            refused.append(IntegrityError.listingSignatureInvalid(address: entry.address).description)
            return false
        }
        if good.isEmpty, !refused.isEmpty { throw .noTrustedVerifier(refused.joined(separator: "; ")) }
        return good
    }

    /// The coordinator's listing.
    public func fetch(url: String, fingerprint: String, sha256: String?) async throws -> VerifierListing {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        var components = URLComponents(string: base + RegistryAPI.path)
        components?.queryItems =
            [URLQueryItem(name: "tokenizer_fingerprint", value: fingerprint)]
            + (sha256.map { [URLQueryItem(name: "model_sha256", value: $0)] } ?? [])
        guard let full = components?.string else { throw ClientError.connectionFailed(url: url, reason: "not a URL") }
        var request = HTTPClientRequest(url: full)
        if full.lowercased().hasPrefix("https:") { request.tlsConfiguration = security.trust.tlsConfiguration }
        let millis = timeout.wholeMilliseconds
        let response: HTTPClientResponse
        do {
            response = try await CoordinatorHTTP.client.execute(request, timeout: .milliseconds(millis))
        } catch {
            if let tls = TLSFailure.describe(error) { throw ClientError.tlsFailed(url: url, reason: tls) }
            throw error
        }
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status.code == 200 else {
            throw ClientError.unexpectedMessage(
                "the coordinator answered \(response.status.code): \(String(buffer: body).prefix(200))")
        }
        return try JSONDecoder().decode(VerifierListing.self, from: Data(body.readableBytesView))
    }
}
