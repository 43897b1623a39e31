import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A short reason for a socket failure, for a person: `Connection refused`, not NIO's nested error dump.
enum LinkErrorReason {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            let reasons = error.connectionErrors.map { describe($0.error) }
            if !reasons.isEmpty { return Array(Set(reasons)).sorted().joined(separator: "; ") }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host '\(error.host)'" }
            return "no address to connect to for '\(error.host)'"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case ChannelError.connectTimeout(let amount):
            return "no answer within \(Double(amount.nanoseconds) / 1e9) s"
        default:
            return "\(error)"
        }
    }
}
