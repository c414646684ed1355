package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.TopicReader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills an agent process with SIGKILL between journaling and shipping, restarts from its
 * journal, and checks on the real broker that every receipt arrives exactly once by id.
 */
class ReceiptShipperCrashTest {

    @TempDir
    Path dir;

    @Test
    void everyReceiptIsShippedExactlyOnceAfterAKillBeforeShipping() throws Exception {
        crashAndRecover(40, 0);
    }

    @Test
    void aKillAfterPartialShippingShipsOnlyTheRest() throws Exception {
        crashAndRecover(40, 15);
    }

    /**
     * Killed after the broker acknowledged a batch and before the journal marked it shipped: the batch is shipped again
     * (the same ids, which billing rates once) and nothing is lost.
     */
    @Test
    void aKillBetweenTheBrokersAckAndTheShippedMarkShipsThatBatchAgainAndLosesNothing() throws Exception {
        UUID lease = UUID.randomUUID();
        kill(lease, 40, 15, "unmarked");
        try (ReceiptJournal journal = ReceiptJournal.open(dir);
                KafkaUsageSink sink = new KafkaUsageSink(KafkaBroker.bootstrapServers(), Duration.ofSeconds(20), Receipts.SIGNER.key())) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(40, 40));
            assertThat(new ReceiptShipper(journal, sink, 7).shipPending()).isEqualTo(40);
        }
        Map<String, Long> counts = countsById(lease, 40 + 15);
        assertThat(counts).hasSize(40);
        assertThat(counts.values().stream().filter(c -> c == 2L).count()).as("shipped twice: the unmarked batch").isEqualTo(15);
        assertThat(counts.values()).containsOnly(1L, 2L);
    }

    @Test
    void receiptsWaitInTheJournalWhileKafkaIsDown() throws Exception {
        UUID lease = UUID.randomUUID();
        try (ReceiptJournal journal = ReceiptJournal.open(dir);
                KafkaUsageSink sink = new KafkaUsageSink("127.0.0.1:" + KafkaBroker.freePort(), Duration.ofSeconds(2), Receipts.SIGNER.key())) {
            journal.append(Receipts.receipt(lease, 0));
            assertThat(new ReceiptShipper(journal, sink, 100).shipPending()).isZero();
            assertThat(journal.counts().unshipped()).isEqualTo(1);
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir);
                KafkaUsageSink sink = new KafkaUsageSink(KafkaBroker.bootstrapServers(), Duration.ofSeconds(20), Receipts.SIGNER.key())) {
            assertThat(new ReceiptShipper(journal, sink, 100).shipPending()).isEqualTo(1);
        }
        assertThat(countsById(lease, 1)).hasSize(1).containsValue(1L);
    }

    void crashAndRecover(int n, int shippedBeforeCrash) throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        UUID lease = UUID.randomUUID();
        kill(lease, n, shippedBeforeCrash, "marked");

        try (ReceiptJournal journal = ReceiptJournal.open(dir);
                KafkaUsageSink sink = new KafkaUsageSink(bootstrap, Duration.ofSeconds(20), Receipts.SIGNER.key())) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(n, n - shippedBeforeCrash));
            assertThat(new ReceiptShipper(journal, sink, 7).shipPending()).isEqualTo(n - shippedBeforeCrash);
            assertThat(journal.counts().unshipped()).isZero();
        }
        Map<String, Long> counts = countsById(lease, n);
        assertThat(counts).hasSize(n);
        assertThat(counts.values()).as("deliveries per invocation id").containsOnly(1L);
    }

    /** Runs {@link JournalCrashChild} until it is ready, then SIGKILLs it. */
    void kill(UUID lease, int n, int shippedBeforeCrash, String marking) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(),
                dir.toString(), lease.toString(), Integer.toString(n), Integer.toString(shippedBeforeCrash),
                KafkaBroker.bootstrapServers(), marking)
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            StringBuilder log = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                log.append(line).append('\n'); // the child's log lines, shown if it never gets ready
            }
            assertThat(line).as("the child's output:\n%s", log).isEqualTo("READY");
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no graceful close
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);
    }

    static Map<String, Long> countsById(UUID lease, int expected) {
        // read until all are there, then a little longer so that a duplicate would be seen
        long[] seenAt = {0};
        List<ConsumerRecord<String, String>> records = TopicReader.readUntil(Topics.USAGE_RECEIPTS, recs -> {
            long ours = ours(recs, lease).size();
            if (ours >= expected && seenAt[0] == 0) {
                seenAt[0] = System.nanoTime();
            }
            return seenAt[0] != 0 && System.nanoTime() - seenAt[0] > TimeUnit.SECONDS.toNanos(2);
        }, Duration.ofSeconds(30));
        return ours(records, lease).stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    /** The invocation ids of the lease's receipts in the agent's attested batches, as often as they were shipped. */
    static List<String> ours(List<ConsumerRecord<String, String>> records, UUID lease) {
        return records.stream().filter(r -> Receipts.SIGNER.provider().value().equals(r.key()))
                .map(r -> cloud.agora.protocol.event.JsonCodec.read(r.value(),
                        new com.fasterxml.jackson.core.type.TypeReference<cloud.agora.protocol.event.EventEnvelope<ReceiptBatch>>() {
                        }).data())
                .flatMap(b -> b.receipts().stream()).filter(receipt -> receipt.leaseId().equals(lease))
                .map(receipt -> receipt.invocationId().toString()).toList();
    }
}
