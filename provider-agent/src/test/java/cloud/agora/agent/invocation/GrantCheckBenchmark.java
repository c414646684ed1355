package cloud.agora.agent.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.gateway.GatewayTrust;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.agent.lease.NoMarketplace;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * What a grant check adds to a call at the agent. Not part of the default test run (the name does not end in Test);
 * run it once with
 * {@code mvn -o -q -pl provider-agent verify -Dtest=GrantCheckBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.n=20000}
 * and read {@code provider-agent/target/grant-check.txt}. A loop harness, not JMH: each series is warmed up, then
 * every check is timed on its own (distinct grants, as calls bring them) and the percentiles reported.
 */
class GrantCheckBenchmark {

    static final ECKeyPair GATEWAY = KeyFiles.parse("11".repeat(32));
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    @TempDir
    Path data;

    @Test
    void grantCheckCost() throws Exception {
        int n = Integer.getInteger("bench.n", 20_000);
        int warmUp = Math.max(2_000, n / 5);
        GatewayTrust trust = GatewayTrust.configured(List.of(PersonalSignature.addressOf(GATEWAY)), List.of(),
                Duration.ofSeconds(30));
        LeaseBook book = new LeaseBook();
        LeaseReconciler reconciler = new LeaseReconciler(new NoMarketplace(), new IdleRuntime(), book, 64, Duration.ofSeconds(30));
        UUID lease = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, new LeaseView(lease, UUID.randomUUID(), OWNER,
                PROVIDER, "http://agent", BidKind.COMPUTE, new Resources(500, 64, 0),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), LeaseState.ACTIVE, Instant.now(), null, null, null)));
        try (ReceiptJournal journal = ReceiptJournal.open(data.resolve("journal"))) {
            InvocationGrants grants = new InvocationGrants(trust, PROVIDER, book, new InvocationClaims(journal));
            List<InvocationGrant> signed = new ArrayList<>();
            Instant now = Instant.now();
            for (int i = 0; i < warmUp + n; i++) {
                signed.add(InvocationGrant.unsigned(UUID.randomUUID(), lease, PROVIDER, OWNER, "bafkreibundle", 10_000, now,
                        Duration.ofSeconds(30)).signedBy(GATEWAY));
            }
            List<Long> verify = measure(signed, warmUp, g -> trust.invocationGrants().check(g, PROVIDER, now).isEmpty());
            List<Long> admit = measure(signed, warmUp, g -> {
                grants.authorize(g, g.invocationId(), lease, "bafkreibundle", null, now);
                grants.claim(g, now);
                return true;
            });
            List<Long> recover = measure(signed.subList(0, Math.min(signed.size(), warmUp + n / 10)), Math.min(warmUp, 500),
                    g -> g.signer().equals(PersonalSignature.addressOf(GATEWAY)));
            String report = String.format("grant check at the agent, n=%d per series (recovery n=%d), %d cores, JDK %s%n", n,
                    recover.size(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"))
                    + line("GrantVerifier.check (kept key)", verify)
                    + line("authorize + claim (what a call adds)", admit)
                    + line("web3j key recovery per grant (not used)", recover);
            System.out.print(report);
            Files.writeString(Path.of("target/grant-check.txt"), report);
            assertThat(verify).hasSize(n);
        }
    }

    static List<Long> measure(List<InvocationGrant> grants, int warmUp, Function<InvocationGrant, Boolean> check) {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < grants.size(); i++) {
            long t0 = System.nanoTime();
            boolean ok = check.apply(grants.get(i));
            long took = System.nanoTime() - t0;
            assertThat(ok).isTrue();
            if (i >= warmUp) {
                nanos.add(took);
            }
        }
        Collections.sort(nanos);
        return nanos;
    }

    static String line(String name, List<Long> sorted) {
        double mean = sorted.stream().mapToLong(Long::longValue).average().orElse(0);
        return String.format("%-42s p50 %.3f ms  p95 %.3f ms  p99 %.3f ms  mean %.3f ms%n", name, pct(sorted, 50) / 1e6,
                pct(sorted, 95) / 1e6, pct(sorted, 99) / 1e6, mean / 1e6);
    }

    static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** A runtime that runs nothing (the benchmark stops before running). */
    static final class IdleRuntime implements WorkloadRuntime {
        @Override
        public String driver() {
            return "none";
        }

        @Override
        public void prepare(Workload workload) {
        }

        @Override
        public InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request) {
            throw new UnsupportedOperationException("the benchmark runs nothing");
        }

        @Override
        public void remove(UUID leaseId) {
        }

        @Override
        public Set<UUID> leasesPresent() {
            return Set.of();
        }

        @Override
        public void close() {
        }
    }
}
