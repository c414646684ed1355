package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An agent process for the crash test: journals {@code n} receipts of a lease, ships the first
 * {@code shipped} of them (delivered and marked; with a sixth argument {@code unmarked}, delivered and acknowledged by
 * the broker but not yet marked), prints READY and waits to be killed.
 * Args: journal dir, lease id, n, shipped, bootstrap servers[, unmarked].
 */
public final class JournalCrashChild {

    public static void main(String[] args) throws Exception {
        ReceiptJournal journal = ReceiptJournal.open(Path.of(args[0]));
        UUID lease = UUID.fromString(args[1]);
        int n = Integer.parseInt(args[2]);
        int shipped = Integer.parseInt(args[3]);
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UsageReceipt r = Receipts.receipt(lease, i);
            journal.append(r);
            receipts.add(r);
        }
        if (shipped > 0) {
            KafkaUsageSink sink = new KafkaUsageSink(args[4], Duration.ofSeconds(20), Receipts.SIGNER.key());
            sink.deliver(receipts.subList(0, shipped));
            if (args.length < 6 || !"unmarked".equals(args[5])) {
                journal.markShipped(receipts.subList(0, shipped).stream().map(UsageReceipt::invocationId).toList());
            }
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
