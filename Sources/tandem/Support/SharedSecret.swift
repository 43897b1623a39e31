import Foundation

/// The coordinator's shared secret: `--secret`, else the `TANDEM_SECRET` environment variable (which
/// keeps it out of `ps`).
enum SharedSecret {
    static let environmentVariable = "TANDEM_SECRET"

    static func resolve(_ flag: String?) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty { return value }
        return nil
    }
}
