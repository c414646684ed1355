package cloud.agora.storage.domain.replica;

/** Replication could not proceed (the marketplace or an agent failed or refused); retried later. */
public class ReplicationException extends RuntimeException {

    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
