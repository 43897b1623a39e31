/// Why the coordinator refuses a request; each maps to one HTTP status.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No bearer secret, or the wrong one (401).
    case unauthorized
    /// A body or parameter that is malformed or out of range (400).
    case invalid(String)
    /// The address is registered with another model hash (409).
    case hashConflict(address: String, registered: String, claimed: String)
    /// A heartbeat reported a model hash other than the registration's; the verifier was dropped (409).
    case hashChanged(id: String, registered: String, reported: String)
    /// No live verifier has this id (never registered, left, or dropped after missing heartbeats) (404).
    case unknownVerifier(String)
    /// The registry holds its capacity of live verifiers (503).
    case full(limit: Int)
    /// Too many registration attempts from one address (429).
    case rateLimited(perMinute: Int)

    /// The HTTP status code of the refusal.
    public var httpStatus: Int {
        switch self {
        case .unauthorized: 401
        case .invalid: 400
        case .hashConflict, .hashChanged: 409
        case .unknownVerifier: 404
        case .full: 503
        case .rateLimited: 429
        }
    }

    public var description: String {
        switch self {
        case .unauthorized:
            return "registration needs the coordinator's shared secret as `Authorization: Bearer SECRET`"
        case .invalid(let reason):
            return "invalid request: \(reason)"
        case .hashConflict(let address, let registered, let claimed):
            return "\(address) is registered with model sha256 \(registered.prefix(16))…, not \(claimed.prefix(16))…; "
                + "deregister it first or wait for it to time out"
        case .hashChanged(let id, let registered, let reported):
            return
                "verifier \(id) registered model sha256 \(registered.prefix(16))… but now reports \(reported.prefix(16))…; "
                + "it was dropped and must register again"
        case .unknownVerifier(let id):
            return "no live verifier \(id.prefix(64)): it left or missed its heartbeats; register again"
        case .full(let limit):
            return "the registry holds its limit of \(limit) live verifiers; retry once one leaves or times out"
        case .rateLimited(let perMinute):
            return "too many registration attempts from this address (limit \(perMinute) per minute); retry later"
        }
    }
}
