package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import cloud.agora.agent.api.AgentTestResource;
import cloud.agora.testsupport.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS batches to billing (a stand-in process with the platform's real sign-in): acknowledgement, outage, lost answers. */
// inside the agent's application (the one every @QuarkusTest of the agent shares): the REST clients are Quarkus's
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class HttpUsageSinkTest {

    @TempDir
    Path dir;
    FakeBilling billing;
    final AtomicLong nanos = new AtomicLong();

    @BeforeEach
    void start() {
        billing = new FakeBilling();
    }

    @AfterEach
    void stop() {
        billing.close();
    }

    HttpUsageSink sink() {
        return new HttpUsageSink(billing.url(), Receipts.SIGNER.key(), Duration.ofSeconds(5), Clock.systemUTC());
    }

    ReceiptShipper shipper(ReceiptJournal journal) {
        return new ReceiptShipper(journal, sink(), 10, Duration.ofSeconds(1), Duration.ofSeconds(4), nanos::get);
    }

    List<UUID> journalReceipts(ReceiptJournal journal, int n) {
        UUID lease = UUID.randomUUID();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UsageReceipt r = Receipts.receipt(lease, i);
            journal.append(r);
            ids.add(r.invocationId());
        }
        return ids;
    }

    Map<String, Long> markedIds() throws Exception {
        return Files.readAllLines(dir.resolve("shipped.jsonl")).stream().filter(l -> !l.isBlank())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void anOutageThenRecoveryShipsEveryReceiptAndMarksEachOnce() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            List<UUID> ids = journalReceipts(journal, 25);
            ReceiptShipper shipper = shipper(journal);
            billing.mode(FakeBilling.Mode.DOWN);

            assertThat(shipper.shipPending()).isZero();
            int attempts = billing.batchRequests.get() + billing.signIns.get();
            assertThat(shipper.shipPending()).as("backing off: no request before 1 s").isZero();
            advance(Duration.ofMillis(999));
            assertThat(shipper.shipPending()).isZero();
            assertThat(billing.batchRequests.get() + billing.signIns.get()).isEqualTo(attempts);
            advance(Duration.ofMillis(1));
            assertThat(shipper.shipPending()).isZero();
            assertThat(journal.counts().unshipped()).isEqualTo(25);

            billing.mode(FakeBilling.Mode.UP);
            advance(Duration.ofMillis(1999));
            assertThat(shipper.shipPending()).as("second failure doubled the wait to 2 s").isZero();
            advance(Duration.ofMillis(1));
            assertThat(shipper.shipPending()).isEqualTo(25);

            assertThat(journal.counts().unshipped()).isZero();
            assertThat(billing.received).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(markedIds()).hasSize(25).allSatisfy((id, times) -> assertThat(times).isEqualTo(1L));
        }
    }

    @Test
    void aBatchWhoseAnswerIsLostIsShippedAgainAndMarkedOnce() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            List<UUID> ids = journalReceipts(journal, 15);
            ReceiptShipper shipper = shipper(journal);
            billing.mode(FakeBilling.Mode.TAKE_THEN_DROP_ANSWER);
            assertThat(shipper.shipPending()).isZero();
            assertThat(billing.received).hasSize(10);
            assertThat(journal.counts().unshipped()).isEqualTo(15);

            billing.mode(FakeBilling.Mode.UP);
            advance(Duration.ofSeconds(1));
            assertThat(shipper.shipPending()).isEqualTo(15);
            assertThat(billing.received).hasSize(25).containsAll(ids);
            assertThat(markedIds()).hasSize(15).allSatisfy((id, times) -> assertThat(times).isEqualTo(1L));
        }
        try (ReceiptJournal reopened = ReceiptJournal.open(dir)) {
            assertThat(reopened.counts().unshipped()).isZero();
        }
    }

    @Test
    void signsInAgainWhenBillingNoLongerKnowsItsToken() {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journalReceipts(journal, 3);
            ReceiptShipper shipper = shipper(journal);
            assertThat(shipper.shipPending()).isEqualTo(3);
            billing.forgetTokens();
            journalReceipts(journal, 2);
            assertThat(shipper.shipPending()).isEqualTo(2);
            assertThat(billing.signIns.get()).isEqualTo(2);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
