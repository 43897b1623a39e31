import Crypto

/// The tokenizer fingerprint: SHA-256 over a length-prefixed, little-endian serialisation of everything
/// that decides the mapping between text and ids. The protocol compares the draft's and the target's
/// fingerprints and refuses a pair that differ.
enum TokenizerFingerprint {
    /// Version tag of the serialisation; bump it whenever the hashed fields change.
    static let version = "tandem-tokenizer-fingerprint-v1"

    static func compute(_ v: TokenizerVocabulary, bosID: Int?, eosID: Int?, eotID: Int?, addBOS: Bool) -> String {
        var hasher = SHA256()
        func int(_ x: Int) { withUnsafeBytes(of: Int64(x).littleEndian) { hasher.update(bufferPointer: $0) } }
        func string(_ s: String) {
            let bytes = Array(s.utf8)
            int(bytes.count)
            hasher.update(data: bytes)
        }
        func optional(_ x: Int?) { int(x ?? -1) }
        string(version)
        string(v.model)
        string(v.pre ?? "")
        int(v.tokens.count)
        for token in v.tokens { string(token) }
        int(v.types.count)
        for type in v.types { int(type.rawValue) }
        int(v.scores.count)
        for score in v.scores {
            withUnsafeBytes(of: score.bitPattern.littleEndian) { hasher.update(bufferPointer: $0) }
        }
        int(v.merges.count)
        for merge in v.merges { string(merge) }
        optional(bosID)
        optional(eosID)
        optional(eotID)
        optional(v.unknownID)
        optional(v.paddingID)
        int(addBOS ? 1 : 0)
        int((v.addEOS ?? false) ? 1 : 0)
        int((v.addSpacePrefix ?? true) ? 1 : 0)
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
