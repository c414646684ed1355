package cloud.agora.functions.domain.history;

/**
 * The recording transactions to read lines of: from {@code from} (inclusive, null: any) to {@code below}
 * (exclusive, null: any), by the ids the store gives its transactions in the order they start (PostgreSQL's
 * {@code xid8}).
 */
public record CommitWindow(Long from, Long below) {

    /** Every transaction. */
    public static final CommitWindow ANY = new CommitWindow(null, null);
}
