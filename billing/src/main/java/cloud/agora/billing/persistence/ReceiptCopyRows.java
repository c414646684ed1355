package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.RatedReceipt;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Rated receipts in PostgreSQL's binary {@code COPY} format, in the order of {@link #COLUMNS} (24 fields per row), so
 * that the same bytes go into {@code receipts} itself or into a staging table of the same column types. Binary rather
 * than text: the server parses no uuid, timestamp or number (see the README's ingestion figures).
 */
final class ReceiptCopyRows {

    /** The {@code receipts} columns a rated receipt fills, in row order ({@code voucher_seq} and {@code rated_at} are left to their defaults). */
    static final String COLUMNS = "invocation_id, lease_id, provider_address, consumer_address, cpu_nanos, peak_memory_bytes,"
            + " memory_mib_millis, wall_millis, bytes_in, bytes_out, started_at, ended_at, provider_signature,"
            + " gateway_signature, receipt_hash, charge, grant_bundle, grant_timeout_millis, grant_issued_at,"
            + " grant_expires_at, grant_signature, provider_batch, gateway_address, gateway_batch";

    private static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;
    private static final BigInteger NUMERIC_BASE = BigInteger.valueOf(10_000);

    private ReceiptCopyRows() {
    }

    /** The whole COPY stream (header, one row per receipt, trailer). */
    static byte[] of(List<RatedReceipt> receipts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(receipts.size() * 1_200);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
            out.writeInt(0); // flags
            out.writeInt(0); // header extension
            for (RatedReceipt rated : receipts) {
                UsageReceipt r = rated.receipt();
                InvocationGrant g = r.grant();
                out.writeShort(24);
                uuid(out, r.invocationId());
                uuid(out, r.leaseId());
                text(out, r.provider().value());
                text(out, r.consumer().value());
                int8(out, r.cpuNanos());
                int8(out, r.peakMemoryBytes());
                int8(out, r.memoryMibMillis());
                int8(out, r.wallMillis());
                int8(out, r.bytesIn());
                int8(out, r.bytesOut());
                timestamp(out, r.startedAt().toEpochMilli());
                timestamp(out, r.endedAt().toEpochMilli());
                // a receipt attested in its provider's batch needs no signature of its own: the batch (and its path) proves it
                text(out, rated.providerBatch() == null ? r.providerSignature() : null);
                text(out, r.gatewaySignature());
                text(out, rated.hash());
                numeric(out, rated.charge());
                text(out, g == null ? null : g.bundle());
                int8(out, g == null ? null : g.timeoutMillis());
                timestamp(out, g == null ? null : g.issuedAt().toEpochMilli());
                timestamp(out, g == null ? null : g.expiresAt().toEpochMilli());
                text(out, g == null ? null : g.signature());
                text(out, rated.providerBatch());
                text(out, rated.witness() == null ? null : rated.witness().gateway().value());
                text(out, rated.witness() == null ? null : rated.witness().root());
            }
            out.writeShort(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static void uuid(DataOutputStream out, java.util.UUID id) throws IOException {
        out.writeInt(16);
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static void int8(DataOutputStream out, Long value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(8);
            out.writeLong(value);
        }
    }

    /** PostgreSQL's binary timestamptz: microseconds since 2000-01-01 00:00 UTC. */
    private static void timestamp(DataOutputStream out, Long epochMillis) throws IOException {
        int8(out, epochMillis == null ? null : (epochMillis - POSTGRES_EPOCH_MILLIS) * 1_000);
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
        } else {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
    }

    /**
     * PostgreSQL's binary numeric for an integer: the count of base-10,000 digits, the weight of the first one
     * (digits − 1), the sign (0x4000 negative), the display scale 0, then the digits, most significant first.
     */
    static void numeric(DataOutputStream out, BigInteger value) throws IOException {
        List<Integer> digits = new ArrayList<>();
        for (BigInteger rest = value.abs(); rest.signum() > 0; ) {
            BigInteger[] qr = rest.divideAndRemainder(NUMERIC_BASE);
            digits.add(0, qr[1].intValue());
            rest = qr[0];
        }
        out.writeInt(8 + 2 * digits.size());
        out.writeShort(digits.size());
        out.writeShort(digits.isEmpty() ? 0 : digits.size() - 1);
        out.writeShort(value.signum() < 0 ? 0x4000 : 0);
        out.writeShort(0);
        for (int digit : digits) {
            out.writeShort(digit);
        }
    }
}
