package cloud.agora.billing.persistence;

import cloud.agora.billing.domain.RatedReceipt;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        Out out = new Out(receipts.size() * 1_200 + 32);
        out.put("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
        out.putInt(0); // flags
        out.putInt(0); // header extension
        for (RatedReceipt rated : receipts) {
            UsageReceipt r = rated.receipt();
            InvocationGrant g = r.grant();
            out.putShort(24);
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
        out.putShort(-1);
        return out.bytes();
    }

    /**
     * A growing big-endian buffer: a {@code DataOutputStream} over a {@code ByteArrayOutputStream} spent a tenth of the
     * rows' time in per-byte synchronized writes.
     */
    static final class Out {

        private ByteBuffer buffer;

        Out(int capacity) {
            buffer = ByteBuffer.allocate(capacity);
        }

        private ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
                buffer.flip();
                buffer = larger.put(buffer);
            }
            return buffer;
        }

        void putShort(int value) {
            room(2).putShort((short) value);
        }

        void putInt(int value) {
            room(4).putInt(value);
        }

        void putLong(long value) {
            room(8).putLong(value);
        }

        void put(byte[] bytes) {
            room(bytes.length).put(bytes);
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    private static void uuid(Out out, java.util.UUID id) {
        out.putInt(16);
        out.putLong(id.getMostSignificantBits());
        out.putLong(id.getLeastSignificantBits());
    }

    private static void int8(Out out, Long value) {
        if (value == null) {
            out.putInt(-1);
        } else {
            out.putInt(8);
            out.putLong(value);
        }
    }

    /** PostgreSQL's binary timestamptz: microseconds since 2000-01-01 00:00 UTC. */
    private static void timestamp(Out out, Long epochMillis) {
        int8(out, epochMillis == null ? null : (epochMillis - POSTGRES_EPOCH_MILLIS) * 1_000);
    }

    private static void text(Out out, String value) {
        if (value == null) {
            out.putInt(-1);
        } else {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.putInt(utf8.length);
            out.put(utf8);
        }
    }

    /**
     * PostgreSQL's binary numeric for an integer: the count of base-10,000 digits, the weight of the first one
     * (digits − 1), the sign (0x4000 negative), the display scale 0, then the digits, most significant first.
     */
    static void numeric(Out out, BigInteger value) {
        // base-10,000 digits, least significant first (a charge in wei has at most 20)
        short[] digits = new short[24];
        int count = 0;
        for (BigInteger rest = value.abs(); rest.signum() > 0; ) {
            BigInteger[] qr = rest.divideAndRemainder(NUMERIC_BASE);
            if (count == digits.length) {
                digits = Arrays.copyOf(digits, count * 2);
            }
            digits[count++] = (short) qr[1].intValue();
            rest = qr[0];
        }
        out.putInt(8 + 2 * count);
        out.putShort(count);
        out.putShort(count == 0 ? 0 : count - 1);
        out.putShort(value.signum() < 0 ? 0x4000 : 0);
        out.putShort(0);
        for (int i = count - 1; i >= 0; i--) {
            out.putShort(digits[i]);
        }
    }
}
