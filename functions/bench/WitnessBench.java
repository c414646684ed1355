import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * What the gateway's witness of one recording transaction costs to sign: a counter-signature per receipt
 * ({@code UsageReceipt.counterSignedByGateway}) against one {@code WitnessBatch} over the receipts' hashes (Merkle root
 * plus one signature), each including the receipts' hashing. Prints the median and p90 over rounds, per batch size,
 * after both are warmed up on 64 receipts. Run with `java WitnessBench.java` (JDK 17
 * single-file launch) with the protocol module and its dependencies on the class path: see witness-bench.sh. Settings
 * (environment): BENCH_SIZES (1,8,64,500), BENCH_ROUNDS (200), BENCH_WARMUP (300).
 */
public class WitnessBench {

    static final int[] SIZES = Arrays.stream(env("BENCH_SIZES", "1,8,64,500").split(",")).mapToInt(Integer::parseInt).toArray();
    static final int ROUNDS = Integer.parseInt(env("BENCH_ROUNDS", "200"));
    static final int WARMUP = Integer.parseInt(env("BENCH_WARMUP", "300"));

    public static void main(String[] args) throws Exception {
        ECKeyPair gateway = Keys.createEcKeyPair();
        ECKeyPair provider = Keys.createEcKeyPair();
        // both paths compiled by the JIT before anything is timed
        List<UsageReceipt> warm = receipts(64, provider, gateway);
        for (int i = 0; i < WARMUP; i++) {
            eachSigned(warm, gateway);
            batchSigned(warm, gateway);
        }
        System.out.printf("%-8s %-26s %12s %12s %14s%n", "receipts", "witness", "p50 ms", "p90 ms", "p50 ms/receipt");
        for (int size : SIZES) {
            List<UsageReceipt> receipts = receipts(size, provider, gateway);
            print(size, "a counter-signature each", time(() -> eachSigned(receipts, gateway)));
            print(size, "one WitnessBatch", time(() -> batchSigned(receipts, gateway)));
        }
    }

    /** The witness as it was: each receipt hashed and counter-signed. */
    static void eachSigned(List<UsageReceipt> receipts, ECKeyPair gateway) {
        receipts.forEach(r -> r.counterSignedByGateway(gateway));
    }

    /** The witness as it is: each receipt hashed, one batch signed over the hashes' Merkle root. */
    static void batchSigned(List<UsageReceipt> receipts, ECKeyPair gateway) {
        WitnessBatch.sign(receipts.stream().map(UsageReceipt::hash).toList(), gateway);
    }

    static List<UsageReceipt> receipts(int size, ECKeyPair provider, ECKeyPair gateway) {
        List<UsageReceipt> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Instant now = Instant.now();
            InvocationGrant grant = InvocationGrant.unsigned(UUID.randomUUID(), UUID.randomUUID(),
                    PersonalSignature.addressOf(provider), PersonalSignature.addressOf(gateway), "bafy-bench", 10_000, now,
                    Duration.ofSeconds(30)).signedBy(gateway);
            out.add(UsageReceipt.unsigned(grant.invocationId(), grant.leaseId(), grant.provider(), grant.consumer(), 2_000_000,
                    10L << 20, 5, 1, 7, now, now.plusMillis(5), grant).signedByProvider(provider));
        }
        return out;
    }

    static long[] time(Runnable witness) {
        long[] nanos = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            witness.run();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos;
    }

    static void print(int size, String what, long[] sorted) {
        double p50 = sorted[sorted.length / 2] / 1e6;
        System.out.printf("%-8d %-26s %12.3f %12.3f %14.4f%n", size, what, p50, sorted[sorted.length * 9 / 10] / 1e6, p50 / size);
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
