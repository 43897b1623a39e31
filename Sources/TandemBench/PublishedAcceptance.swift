/// A published acceptance-by-window row, drawn beside a run's own (figures, not targets).
///
/// Acceptance there and in ``AssistRow/acceptanceRate`` is the same ratio: draft tokens accepted ÷ draft
/// tokens proposed. If each position were accepted independently with probability p, a window of k
/// would accept (p + p² + … + pᵏ) ÷ k of its drafts; the published row fits p ≈ 0.59.
public struct PublishedAcceptance: Sendable, Hashable {
    /// Where the figures come from, as a legend entry.
    public var source: String
    /// Acceptance at each fixed window (window, acceptance in 0…1).
    public var byWindow: [(window: Int, acceptance: Double)]
    /// The adaptive policy's acceptance and mean accepted tokens per window, when published.
    public var adaptiveAcceptance: Double?
    public var adaptiveAcceptedPerWindow: Double?
    /// The same-model check: draft = target, so every draft is accepted.
    public var sameModelAcceptance: Double?

    public static func == (a: Self, b: Self) -> Bool {
        a.source == b.source && a.byWindow.map(\.window) == b.byWindow.map(\.window)
            && a.byWindow.map(\.acceptance) == b.byWindow.map(\.acceptance)
            && a.adaptiveAcceptance == b.adaptiveAcceptance
            && a.adaptiveAcceptedPerWindow == b.adaptiveAcceptedPerWindow
            && a.sameModelAcceptance == b.sameModelAcceptance
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        for entry in byWindow {
            hasher.combine(entry.window)
            hasher.combine(entry.acceptance)
        }
    }

    /// The Client-Assisted LLM write-up's row for Qwen2.5 0.5B → 1.5B: windows 1/2/4/8 at
    /// 59.1 / 45.4 / 29.8 / 18.9 %, adaptive 52.7 % with 0.87 accepted tokens per window, and 100 % for
    /// the same model on both sides.
    public static let clientAssistedQwen25 = PublishedAcceptance(
        source: "published (Client-Assisted LLM, Qwen2.5 0.5B→1.5B)",
        byWindow: [(1, 0.591), (2, 0.454), (4, 0.298), (8, 0.189)],
        adaptiveAcceptance: 0.527, adaptiveAcceptedPerWindow: 0.87, sameModelAcceptance: 1.0)

    /// The published rows `--published` accepts, by name.
    public static let byName: [String: PublishedAcceptance] = ["client-assisted-qwen2.5": clientAssistedQwen25]
}
