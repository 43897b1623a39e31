import Foundation
import TandemSecurity
import TandemWire
import Testing

/// The signed examples in docs/PROTOCOL.md are real: made with the secret `s3cret` over the canonical
/// encoding the code uses, so the document pins that encoding too.
@Suite("docs/PROTOCOL.md: signatures and proofs")
struct SignedExampleTests {
    @Test("the listing's signature and the opened proof verify with the example secret")
    func examplesVerify() throws {
        let key = try #require(VerifierSecret("s3cret"))
        let examples = try ProtocolDocumentTests.examples()
        let codec = WireCodec()
        let registration = try #require(examples.first { $0.tag == "registration" })
        let signed = try JSONDecoder().decode(VerifierRegistration.self, from: Data(registration.json.utf8))
        #expect(key.verifies(signed))
        let listing = try #require(examples.first { $0.tag == "listing" })
        let entries = try JSONDecoder().decode(VerifierListing.self, from: Data(listing.json.utf8)).verifiers
        #expect(!entries.isEmpty && entries.allSatisfy { key.verifies($0.registration) })

        var nonce: String?
        var opened: OpenedMessage?
        for example in examples where example.tag == "frame" {
            switch try codec.decode(example.json) {
            case .open(let o): nonce = o.nonce
            case .opened(let o): opened = o
            default: break
            }
        }
        let o = try #require(opened)
        #expect(key.verifiesProof(try #require(o.proof), nonce: try #require(nonce), modelSha256: o.modelSha256))
        #expect(
            !(try #require(VerifierSecret("wrong"))).verifiesProof(
                o.proof ?? "", nonce: nonce ?? "", modelSha256: o.modelSha256))
    }
}
