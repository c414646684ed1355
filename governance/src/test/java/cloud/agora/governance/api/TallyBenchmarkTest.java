package cloud.agora.governance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.governance.domain.VoteTallier;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The 10,000-vote figure of the README, opt-in ({@code -Dgovernance.bench=true}; a few minutes, most of it funding
 * 10,000 addresses with one AGORA each on Anvil). Times the tally of the ended proposal and the full recount
 * (every signature recovered again, every weight read again at the snapshot).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
class TallyBenchmarkTest {

    static final int VOTERS = Integer.getInteger("governance.bench.voters", 10_000);
    static final int THREADS = 4;
    static final BigInteger ONE_TOKEN = BigInteger.TEN.pow(18);

    @InjectDevnet
    Devnet devnet;

    @Inject
    VoteTallier tallier;

    @Inject
    Transactions tx;

    @Inject
    GovernanceStore store;

    @Test
    void talliesTenThousandVotesFromDistinctFundedAddresses() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("governance.bench"), "opt-in: -Dgovernance.bench=true");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Signer> funders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Signer funder = devnet.newAccount();
            devnet.token().transfer(devnet.account(9), funder.address(), ONE_TOKEN.multiply(BigInteger.valueOf(VOTERS)));
            funders.add(funder);
        }
        long start = System.nanoTime();
        List<Future<List<Signer>>> funded = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Signer funder = funders.get(t);
            int share = VOTERS / THREADS + (t < VOTERS % THREADS ? 1 : 0);
            funded.add(pool.submit(() -> {
                List<Signer> voters = new ArrayList<>();
                for (int i = 0; i < share; i++) {
                    Signer voter = Signer.of(org.web3j.crypto.Keys.createEcKeyPair());
                    devnet.token().transfer(funder, voter.address(), ONE_TOKEN);
                    voters.add(voter);
                }
                return voters;
            }));
        }
        List<Signer> voters = new ArrayList<>();
        for (Future<List<Signer>> f : funded) {
            voters.addAll(f.get());
        }
        System.out.printf("BENCH funded %d addresses in %d ms%n", voters.size(), (System.nanoTime() - start) / 1_000_000);

        long id = new Holder(devnet.account(9)).proposeChanges(Map.of("billing.credit-floor", "5"));
        long snapshot = Holder.proposal(id).extract().jsonPath().getLong("snapshotBlock");
        devnet.mine((int) (snapshot + 1 - devnet.chain().blockNumber()));
        var domain = devnet.token().governanceDomain();

        start = System.nanoTime();
        List<Future<?>> cast = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int from = t;
            cast.add(pool.submit(() -> {
                for (int i = from; i < voters.size(); i += THREADS) {
                    new Holder(voters.get(i)).vote(domain, id, VoteSupport.values()[i % 3], "").statusCode(200);
                }
            }));
        }
        for (Future<?> f : cast) {
            f.get();
        }
        System.out.printf("BENCH cast %d votes in %d ms%n", voters.size(), (System.nanoTime() - start) / 1_000_000);

        long end = Holder.proposal(id).extract().jsonPath().getLong("endBlock");
        devnet.mine((int) (end + 1 - devnet.chain().blockNumber()));
        long head = devnet.chain().blockNumber();
        start = System.nanoTime();
        tallier.settle(id, head);
        long tallyMs = (System.nanoTime() - start) / 1_000_000;
        await().atMost(Duration.ofSeconds(10)).until(() -> !Holder.proposal(id).extract().jsonPath().getString("state").equals("active"));

        start = System.nanoTime();
        VoteTallier.Recount recount = tallier.recount(id);
        long recountMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("BENCH tally of %d votes: %d ms; recount from signatures and chain: %d ms%n", voters.size(), tallyMs, recountMs);
        pool.shutdownNow();

        assertThat(recount.tally().voters()).isEqualTo(VOTERS);
        assertThat(recount.discrepancies()).isEmpty();
        assertThat(recount.tally()).isEqualTo(tx.read(c -> store.tally(c, id)));
        assertThat(tallyMs).isLessThan(10_000);
        assertThat(recountMs).isLessThan(10_000);
    }
}
