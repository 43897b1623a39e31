/// A verifier's answer to `open`: the session and its limits.
public struct SessionInfo: Sendable, Equatable, Codable {
    /// The verifier's name for the session.
    public var sessionID: String
    /// The agreed length the verifier now holds (the prompt's length): the `base` of the first round.
    public var base: Int
    /// The target's vocabulary size.
    public var vocabularySize: Int
    /// The target's context length: the agreed sequence never grows past it.
    public var contextLength: Int
    /// Most drafts the verifier takes in one round.
    public var maxWindow: Int
    /// Bytes this exchange took on the wire, filled by the transport on the client side (0 in-process;
    /// not itself sent).
    public var wireBytes: Int
    /// CPU seconds the verifier spent opening the session (the prompt's prefill); 0 when not measured.
    public var serverCPUSeconds: Double = 0

    public init(
        sessionID: String, base: Int, vocabularySize: Int, contextLength: Int, maxWindow: Int, wireBytes: Int = 0
    ) {
        self.sessionID = sessionID
        self.base = base
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.maxWindow = maxWindow
        self.wireBytes = wireBytes
    }
}
