import TandemDecoding
import TandemTestSupport

/// An assisted generator over toy target and draft models, in-process.
func makeAssisted(
    target: ToyModel, draft: ToyModel, policy: any WindowPolicy, maxWindow: Int = 16,
    proposalTopK: Int = 8, targetRecorder: SessionRecorder = SessionRecorder(),
    draftRecorder: SessionRecorder = SessionRecorder(), preemptive: Bool = false,
    proactive: Bool = false
) -> AssistedGenerator {
    AssistedGenerator(
        drafter: ModelDrafter(session: draft.makeSession(recorder: draftRecorder), proposalTopK: proposalTopK),
        verifier: InProcessVerifier(session: target.makeSession(recorder: targetRecorder), maxWindow: maxWindow),
        policy: policy, preemptive: preemptive, proactive: proactive)
}
