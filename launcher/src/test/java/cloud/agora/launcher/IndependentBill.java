package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Checks a line of the bill the way a developer with any Ethereum library would, from the proof's JSON and the
 * formats in protocol's README alone: it re-encodes the grant and the receipt byte by byte, recovers every
 * signature with web3j's primitives, recomputes the charge from the lease's prices and walks the Merkle paths (to the
 * voucher's root, and to the roots of the batches that attest the receipt) with its own sorted-pair keccak. It uses
 * none of billing's code nor protocol's encoders, so a change to either that alters what is signed or charged fails
 * here.
 */
final class IndependentBill {

    private IndependentBill() {
    }

    /** Billing's newest voucher of a pair: how many receipts and how much it commits to, and the proven lines' sum. */
    record Proven(long receipts, BigInteger amount, BigInteger provenSum) {
    }

    /**
     * Waits for billing's newest voucher of {@code consumer} to {@code provider} to commit to {@code receipts} receipts,
     * among them those of {@code invocations}: each one's proof is in that voucher and verified with {@link #verify}
     * against its root. Returns the voucher's figures and the sum of the proven charges.
     *
     * @param token         the consumer's billing token (proofs)
     * @param providerToken the provider's billing token (vouchers)
     * @param gateway       the functions gateway's address (lower-case 0x hex)
     */
    static Proven proveInTheNewestVoucher(String token, String providerToken, String consumer, String provider,
            String gateway, Collection<String> invocations, long receipts) throws Exception {
        return proveInTheNewestVoucher(PlatformCalls.BILLING, token, providerToken, consumer, provider, gateway, invocations,
                receipts);
    }

    /** As above, asking the billing instance at {@code billing}. */
    static Proven proveInTheNewestVoucher(String billing, String token, String providerToken, String consumer,
            String provider, String gateway, Collection<String> invocations, long receipts) throws Exception {
        Set<String> ids = new HashSet<>(invocations);
        assertThat(ids).as("one invocation id per call").hasSameSizeAs(invocations);
        String url = billing + "/api/v1/vouchers?provider=" + provider + "&consumer=" + consumer;
        JsonNode voucher = PlatformCalls.await("a voucher for " + receipts + " receipts", Duration.ofSeconds(120),
                () -> PlatformCalls.call("GET", url, providerToken, null),
                l -> l.size() > 0 && l.get(0).get("receipts").asLong() >= receipts).get(0);
        assertThat(voucher.get("receipts").asLong()).as("rated receipts").isEqualTo(receipts);
        String root = voucher.get("voucher").get("voucher").get("receiptsRoot").asText();
        BigInteger total = BigInteger.ZERO;
        Lease lease = null;
        for (String id : ids) {
            JsonNode proof = PlatformCalls.await("the proof of " + id, Duration.ofSeconds(30),
                    () -> PlatformCalls.call("GET", billing + "/api/v1/receipts/" + id + "/proof", token, null),
                    p -> p.get("voucher").get("sequence").asLong() == voucher.get("sequence").asLong());
            if (lease == null) {
                lease = Lease.of(PlatformCalls.call("GET", PlatformCalls.MARKET + "/api/v1/leases/"
                        + proof.get("receipt").get("leaseId").asText(), token, null));
            }
            total = total.add(verify(proof, lease, gateway, provider.toLowerCase(), root));
        }
        return new Proven(receipts, new BigInteger(voucher.get("voucher").get("voucher").get("cumulativeAmount").asText()),
                total);
    }

    /** The lease a line was charged under, as the marketplace reports it. */
    record Lease(long cpuMillis, long memoryMiB, BigInteger perVcpuSecond, BigInteger perGiBSecond, BigInteger perInvocation) {

        static Lease of(JsonNode lease) {
            JsonNode prices = lease.get("prices");
            return new Lease(lease.get("resources").get("cpuMillis").asLong(), lease.get("resources").get("memoryMiB").asLong(),
                    new BigInteger(prices.get("perVcpuSecond").asText()), new BigInteger(prices.get("perGiBSecond").asText()),
                    new BigInteger(prices.get("perInvocation").asText()));
        }
    }

    /**
     * Verifies one proof ({@code GET /api/v1/receipts/{id}/proof}) and returns its charge.
     *
     * @param gateway  the functions gateway's address (lower-case 0x hex)
     * @param provider the provider's address (lower-case 0x hex)
     * @param root     the voucher root the path must reach (0x hex)
     */
    static BigInteger verify(JsonNode proof, Lease lease, String gateway, String provider, String root) {
        JsonNode r = proof.get("receipt");
        JsonNode g = r.get("grant");
        assertThat(g).as("the receipt names its grant").isNotNull();
        byte[] grantHash = Hash.sha3(grantBytes(g));
        assertThat(signer(grantHash, g.get("signature").asText())).as("the grant is the gateway's").isEqualTo(gateway);
        byte[] receiptHash = Hash.sha3(receiptBytes(r, grantHash));
        assertThat(Numeric.toHexString(receiptHash)).as("billing's leaf is the receipt's hash")
                .isEqualTo(proof.get("receiptHash").asText());
        assertAttested(receiptHash, r.get("providerSignature"), proof.get("providerBatch"), provider, "signed by its provider");
        assertAttested(receiptHash, r.get("gatewaySignature"), proof.get("witnessBatch"), gateway, "witnessed by the gateway");

        // the grant is for this call, and the usage lies within it and the lease
        assertThat(g.get("invocationId").asText()).isEqualTo(r.get("invocationId").asText());
        assertThat(g.get("leaseId").asText()).isEqualTo(r.get("leaseId").asText());
        assertThat(g.get("provider").asText()).isEqualToIgnoringCase(provider);
        long wall = r.get("wallMillis").asLong();
        assertThat(wall).isLessThanOrEqualTo(g.get("timeoutMillis").asLong() + 2_000);
        assertThat(r.get("cpuNanos").asLong()).isLessThanOrEqualTo((wall + 200) * lease.cpuMillis() * 1_000 + 50_000_000L);
        assertThat(r.get("peakMemoryBytes").asLong()).isLessThanOrEqualTo(lease.memoryMiB() << 20);
        Instant started = Instant.parse(r.get("startedAt").asText());
        assertThat(started).isBetween(Instant.parse(g.get("issuedAt").asText()).minusSeconds(30),
                Instant.parse(g.get("expiresAt").asText()).plusSeconds(30));

        // the charge, from the lease's prices: floor(cpu·p_cpu/1e9 + mem·p_mem/1,024,000) + p_call, exactly
        long peakMib = (r.get("peakMemoryBytes").asLong() + (1 << 20) - 1) >> 20;
        assertThat(r.get("memoryMibMillis").asLong()).as("the memory rule").isEqualTo(peakMib * wall);
        BigInteger charge = BigInteger.valueOf(r.get("cpuNanos").asLong()).multiply(lease.perVcpuSecond()).multiply(BigInteger.valueOf(1_024_000))
                .add(BigInteger.valueOf(r.get("memoryMibMillis").asLong()).multiply(lease.perGiBSecond()).multiply(BigInteger.TEN.pow(9)))
                .divide(BigInteger.valueOf(1_024_000_000_000_000L)).add(lease.perInvocation());
        assertThat(new BigInteger(proof.get("charge").asText())).as("the charge to the wei").isEqualTo(charge);

        // the Merkle path from the leaf to the voucher's root
        assertThat(Numeric.toHexString(fold(receiptHash, proof.get("proof")))).as("the path reaches the voucher's root")
                .isEqualTo(root.toLowerCase());
        return charge;
    }

    /**
     * That {@code party} attests the receipt with hash {@code receiptHash}: by a signature of its own over the hash, or
     * by a batch — the batch's path folds the hash into the batch's root, and {@code personal_sign} over
     * {@code keccak256(tag ‖ root)} recovers the batch's signer, which is {@code party}. Each of the two that is there
     * must hold, and one must be.
     */
    private static void assertAttested(byte[] receiptHash, JsonNode signature, JsonNode batch, String party, String what) {
        assertThat(present(signature) || present(batch)).as(what + ": a signature of its own or a batch").isTrue();
        if (present(signature)) {
            assertThat(signer(receiptHash, signature.asText())).as(what).isEqualTo(party);
        }
        if (present(batch)) {
            JsonNode attestation = batch.get("attestation");
            byte[] batchRoot = fold(receiptHash, batch.get("path"));
            assertThat(Numeric.toHexString(batchRoot)).as(what + ": the path reaches the batch's root")
                    .isEqualTo(attestation.get("root").asText().toLowerCase());
            String batchSigner = signer(batchDigest(batchRoot), attestation.get("signature").asText());
            assertThat(batchSigner).as(what + ": the batch's signature is its signer's")
                    .isEqualTo(attestation.get("signer").asText().toLowerCase());
            assertThat(batchSigner).as(what + " (in a batch)").isEqualTo(party);
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    /** What a batch's signer signs: keccak256 of the ASCII tag zero-padded to 32 bytes, then the 32-byte root. */
    private static byte[] batchDigest(byte[] batchRoot) {
        ByteBuffer out = ByteBuffer.allocate(64);
        tag(out, "agora.receipt-batch.v1", 32);
        out.put(batchRoot);
        return Hash.sha3(out.array());
    }

    /** The root a Merkle path leads to from {@code leaf}: each step keccak256 of the sorted pair. */
    private static byte[] fold(byte[] leaf, JsonNode path) {
        byte[] node = leaf;
        for (JsonNode sibling : path) {
            byte[] other = Numeric.hexStringToByteArray(sibling.asText());
            boolean first = Arrays.compareUnsigned(node, other) <= 0;
            node = Hash.sha3(concat(first ? node : other, first ? other : node));
        }
        return node;
    }

    private static byte[] grantBytes(JsonNode g) {
        ByteBuffer out = ByteBuffer.allocate(160);
        tag(out, "agora.invocation-grant.v1", 32);
        uuid(out, g.get("invocationId").asText());
        uuid(out, g.get("leaseId").asText());
        out.put(Numeric.hexStringToByteArray(g.get("provider").asText()));
        out.put(Numeric.hexStringToByteArray(g.get("consumer").asText()));
        out.put(Hash.sha3(g.get("bundle").asText().getBytes(StandardCharsets.UTF_8)));
        out.putLong(g.get("timeoutMillis").asLong());
        out.putLong(Instant.parse(g.get("issuedAt").asText()).toEpochMilli());
        out.putLong(Instant.parse(g.get("expiresAt").asText()).toEpochMilli());
        assertThat(out.remaining()).isZero();
        return out.array();
    }

    private static byte[] receiptBytes(JsonNode r, byte[] grantHash) {
        ByteBuffer out = ByteBuffer.allocate(192);
        tag(out, "agora.usage-receipt.v2", 24);
        uuid(out, r.get("invocationId").asText());
        uuid(out, r.get("leaseId").asText());
        out.put(Numeric.hexStringToByteArray(r.get("provider").asText()));
        out.put(Numeric.hexStringToByteArray(r.get("consumer").asText()));
        out.put(grantHash);
        for (String field : new String[] {"cpuNanos", "peakMemoryBytes", "memoryMibMillis", "wallMillis", "bytesIn", "bytesOut"}) {
            out.putLong(r.get(field).asLong());
        }
        out.putLong(Instant.parse(r.get("startedAt").asText()).toEpochMilli());
        out.putLong(Instant.parse(r.get("endedAt").asText()).toEpochMilli());
        assertThat(out.remaining()).isZero();
        return out.array();
    }

    /** EIP-191 personal_sign recovery over 32 bytes, with web3j's primitives. */
    private static String signer(byte[] hash, String signatureHex) {
        byte[] sig = Numeric.hexStringToByteArray(signatureHex);
        assertThat(sig).hasSize(65);
        Sign.SignatureData data = new Sign.SignatureData(sig[64], Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64));
        try {
            return "0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(hash, data));
        } catch (java.security.SignatureException e) {
            throw new AssertionError("the signature does not recover: " + signatureHex, e);
        }
    }

    private static void tag(ByteBuffer out, String tag, int width) {
        byte[] ascii = tag.getBytes(StandardCharsets.US_ASCII);
        out.put(ascii).put(new byte[width - ascii.length]);
    }

    private static void uuid(ByteBuffer out, String id) {
        UUID uuid = UUID.fromString(id);
        out.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
