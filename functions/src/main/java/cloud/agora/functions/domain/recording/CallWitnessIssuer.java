package cloud.agora.functions.domain.recording;

import cloud.agora.functions.domain.invocation.GatewayKey;
import cloud.agora.functions.domain.recording.InvocationRecord.ReceiptStatus;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationOutcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/**
 * The gateway's signed {@link CallWitness} of how a recorded call ended, for the owner of the function it belongs to:
 * the evidence a developer disputes a charge with at billing. Given only for a call whose receipt the gateway
 * witnessed (FORWARDED), and signed with the gateway's key when asked: the signature is deterministic (RFC 6979), so
 * the same recorded call always gives the same witness.
 */
@ApplicationScoped
public class CallWitnessIssuer {

    private final InvocationStore store;
    private final InvocationRecorder recorder;
    private final GatewayKey key;

    public CallWitnessIssuer(InvocationStore store, InvocationRecorder recorder, GatewayKey key) {
        this.store = store;
        this.recorder = recorder;
        this.key = key;
    }

    /**
     * The witness of {@code owner}'s call {@code invocationId}.
     *
     * @throws InvocationNotFoundException  no such call is recorded, or it belongs to another developer's function
     * @throws ReceiptNotWitnessedException the gateway did not witness the call's receipt
     */
    public CallWitness witness(Address owner, UUID invocationId) {
        RecordedCall call = recorded(invocationId).filter(c -> c.owner().equals(owner))
                .orElseThrow(() -> new InvocationNotFoundException(invocationId));
        if (call.receiptStatus() != ReceiptStatus.FORWARDED) {
            throw new ReceiptNotWitnessedException(invocationId, call.receiptStatus(), call.receiptProblem());
        }
        return CallWitness.sign(call.id(), call.leaseId(), Address.parse(call.provider()), call.owner(),
                call.receipt().hash(), InvocationOutcome.valueOf(call.status()), call.exitCode(), call.at(), key.pair());
    }

    /** The recorded call; one answered a moment ago may still wait in the recorder's queue. */
    private Optional<RecordedCall> recorded(UUID invocationId) {
        Optional<RecordedCall> call = store.recordedCall(invocationId);
        if (call.isPresent()) {
            return call;
        }
        recorder.awaitRecorded();
        return store.recordedCall(invocationId);
    }
}
