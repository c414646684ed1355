package cloud.agora.support.writer;

import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Write transactions of a single-writer service: each first checks the writer fence ({@link SingleWriter#fence}) in
 * the same transaction, so a stale instance that lost the role commits nothing. Reads need no fence: use
 * {@link Transactions#read}.
 */
@ApplicationScoped
public class WriterTransactions {

    private final Transactions tx;
    private final SingleWriter writer;

    public WriterTransactions(Transactions tx, SingleWriter writer) {
        this.tx = tx;
        this.writer = writer;
    }

    /**
     * Runs {@code work} in one transaction after the fence check; committed when it returns, rolled back when it
     * throws.
     *
     * @throws NotTheWriterException when this instance is not the writer; nothing is changed
     */
    public <T> T inTransaction(Transactions.Work<T> work) {
        return tx.inTransaction(c -> {
            writer.fence(c);
            return work.run(c);
        });
    }
}
