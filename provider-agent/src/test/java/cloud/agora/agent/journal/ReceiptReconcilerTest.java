package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import cloud.agora.agent.api.AgentTestResource;
import cloud.agora.testsupport.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anti-entropy between the journal and billing (a stand-in process with the platform's real sign-in and protocol's real
 * prefix tree): exactly the receipts billing lost are re-sent, root-only when nothing differs, unshipped receipts are
 * left to the shipper, and shipping's recovery asks for a pass.
 */
// inside the agent's application (the one every @QuarkusTest of the agent shares): the REST clients are Quarkus's
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class ReceiptReconcilerTest {

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

    ReceiptReconciler reconciler(ReceiptJournal journal) {
        return new ReceiptReconciler(journal, new HttpBillingReceiptTree(billing.url(),
                Receipts.SIGNER.key(), Duration.ofSeconds(5), Clock.systemUTC()), sink());
    }

    ReceiptShipper shipper(ReceiptJournal journal) {
        return new ReceiptShipper(journal, sink(), 500, Duration.ofSeconds(1), Duration.ofSeconds(4), nanos::get);
    }

    static List<UsageReceipt> journal(ReceiptJournal journal, UUID lease, int from, int n) {
        List<UsageReceipt> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            UsageReceipt r = Receipts.receipt(lease, i);
            journal.append(r);
            out.add(r);
        }
        return out;
    }

    static List<UUID> ids(List<UsageReceipt> receipts) {
        return receipts.stream().map(UsageReceipt::invocationId).toList();
    }

    @Test
    void exactlyTheReceiptsBillingLostAreSentAgainThenOnlyRootsAreCompared() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            UUID a = UUID.randomUUID();
            UUID b = UUID.randomUUID();
            List<UsageReceipt> ofA = journal(journal, a, 0, 2_000);
            journal(journal, b, 0, 30);
            List<UsageReceipt> ofBNextDay = journal(journal, b, 86_400, 20);
            assertThat(shipper(journal).shipPending()).isEqualTo(2_050);
            List<UUID> lost = List.of(ofA.get(7).invocationId(), ofA.get(1_234).invocationId(), ofA.get(1_999).invocationId(),
                    ofBNextDay.get(3).invocationId());
            billing.lose(lost);
            UsageReceipt elsewhere = Receipts.receipt(a, 5_000); // billing holds it, the journal does not
            billing.held.put(elsewhere.invocationId(), elsewhere);
            int received = billing.received.size();
            ReceiptReconciler reconciler = reconciler(journal);

            ReceiptReconciler.Pass pass = reconciler.reconcile();

            assertThat(pass.complete()).isTrue();
            assertThat(pass.periods()).isEqualTo(3);
            assertThat(pass.agreed()).as("lease b's first day").isEqualTo(1);
            java.time.LocalDate firstDay = journal.roots(b).get(0).day();
            assertThat(journal.isSettled(b, firstDay)).as("what billing agreed on is settled in the journal").isTrue();
            assertThat(journal.isSettled(a, journal.roots(a).get(0).day())).isFalse();
            assertThat(pass.resent()).isEqualTo(4);
            assertThat(billing.received.subList(received, billing.received.size())).containsExactlyInAnyOrderElementsOf(lost);
            assertThat(billing.held).containsKeys(lost.toArray(UUID[]::new));
            assertThat(pass.onlyAtBilling()).isEqualTo(1);
            assertThat(billing.held).containsKey(elsewhere.invocationId());
            // a few dozen digests, not 2,050 receipts: each lost receipt costs about two digests per level of 2,000
            assertThat(pass.digests()).isLessThan(4 * 2 * 12 + 3);

            int queries = billing.treeQueries.get();
            ReceiptReconciler.Pass again = reconciler.reconcile();
            assertThat(again.resent()).isZero();
            assertThat(billing.received).hasSize(received + 4);
            assertThat(again.agreed()).as("lease a still differs: billing holds one more").isEqualTo(2);
            billing.held.remove(elsewhere.invocationId());
            queries = billing.treeQueries.get();
            ReceiptReconciler.Pass third = reconciler.reconcile();
            assertThat(third.agreed()).isEqualTo(3);
            assertThat(journal.isSettled(a, journal.roots(a).get(0).day())).isTrue();
            assertThat(billing.treeQueries.get() - queries).as("one root question per lease and day").isEqualTo(3);
        }
    }

    @Test
    void receiptsNotShippedYetAreLeftToTheShipper() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            UUID lease = UUID.randomUUID();
            List<UsageReceipt> shipped = journal(journal, lease, 0, 40);
            shipper(journal).shipPending();
            journal(journal, lease, 40, 25);
            ReceiptReconciler reconciler = reconciler(journal);
            int received = billing.received.size();

            assertThat(reconciler.reconcile().resent()).isZero();
            assertThat(billing.received).hasSize(received);

            billing.lose(List.of(shipped.get(11).invocationId()));
            assertThat(reconciler.reconcile().resent()).isEqualTo(1);
            assertThat(billing.received.subList(received, billing.received.size())).containsExactly(shipped.get(11).invocationId());
        }
    }

    @Test
    void aLeaseBillingRefusesIsSkippedAndAnUnreachableBillingEndsThePass() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            UUID refused = UUID.randomUUID();
            UUID lease = UUID.randomUUID();
            List<UsageReceipt> ofRefused = journal(journal, refused, 0, 5);
            List<UsageReceipt> ofLease = journal(journal, lease, 0, 5);
            shipper(journal).shipPending();
            billing.lose(ids(ofRefused));
            billing.lose(List.of(ofLease.get(2).invocationId()));
            billing.refusedLeases.add(refused);
            ReceiptReconciler reconciler = reconciler(journal);

            ReceiptReconciler.Pass pass = reconciler.reconcile();
            assertThat(pass.complete()).isTrue();
            assertThat(pass.resent()).isEqualTo(1);
            assertThat(billing.held).doesNotContainKeys(ids(ofRefused).toArray(UUID[]::new));

            billing.lose(List.of(ofLease.get(3).invocationId()));
            billing.mode(FakeBilling.Mode.DOWN);
            int received = billing.received.size();
            ReceiptReconciler.Pass down = reconciler.reconcile();
            assertThat(down.complete()).isFalse();
            assertThat(down.resent()).isZero();
            billing.mode(FakeBilling.Mode.UP);
            assertThat(billing.received).hasSize(received);
            assertThat(reconciler.reconcile().resent()).isEqualTo(1);
        }
    }

    @Test
    void anAgentStartedAgainAsksForAPassWithItsFirstDelivery() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            UUID lease = UUID.randomUUID();
            List<UsageReceipt> earlier = journal(journal, lease, 0, 5);
            shipper(journal).shipPending();
            // the earlier run's billing lost one; the run started again ships its own calls without a failure
            billing.lose(Set.of(earlier.get(2).invocationId()));
            journal(journal, lease, 5, 2);
            ReceiptShipper again = shipper(journal);
            ReceiptReconciler reconciler = reconciler(journal);
            again.onRecovery(reconciler::requestPass);
            assertThat(again.shipPending()).isEqualTo(2);

            ReceiptReconciler.Pass pass = reconciler.reconcileIfRequested();
            assertThat(pass).as("a pass right after the first delivery").isNotNull();
            assertThat(pass.resent()).isEqualTo(1);
            assertThat(billing.held).containsKey(earlier.get(2).invocationId());
        }
    }

    @Test
    void shippingThatRecoversFromAFailureAsksForAPass() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            UUID lease = UUID.randomUUID();
            List<UsageReceipt> first = journal(journal, lease, 0, 10);
            ReceiptShipper shipper = shipper(journal);
            shipper.shipPending();
            ReceiptReconciler reconciler = reconciler(journal);
            shipper.onRecovery(reconciler::requestPass);
            assertThat(reconciler.reconcileIfRequested()).isNull();
            // billing restarts from an older state: it lost a receipt, and is down for a while
            billing.lose(Set.of(first.get(4).invocationId()));
            billing.mode(FakeBilling.Mode.DOWN);
            journal(journal, lease, 10, 3);
            assertThat(shipper.shipPending()).isZero();
            assertThat(reconciler.reconcileIfRequested()).as("still failing").isNull();
            billing.mode(FakeBilling.Mode.UP);
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThat(shipper.shipPending()).isEqualTo(3);

            ReceiptReconciler.Pass pass = reconciler.reconcileIfRequested();
            assertThat(pass).isNotNull();
            assertThat(pass.resent()).isEqualTo(1);
            assertThat(billing.held).containsKey(first.get(4).invocationId());
            assertThat(reconciler.reconcileIfRequested()).isNull();
            assertThat(new ReceiptReconciler(journal, null, null).reconcile().periods()).as("no billing: nothing compared").isZero();
        }
    }
}
