package cloud.agora.support.events;

/**
 * A record a follower will not handle: its producer did not sign it, or it is no event (a poison record). Never
 * retried ({@link Following}); the {@link QuarantineStrategy} copies it to the quarantine topic with this message as
 * the reason, and the follower goes on with the next record.
 */
public final class RefusedRecord extends RuntimeException {

    public RefusedRecord(String reason) {
        super(reason, null, false, false);
    }
}
