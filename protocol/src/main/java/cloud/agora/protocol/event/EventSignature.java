package cloud.agora.protocol.event;

import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.Secp256k1;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.web3j.crypto.ECKeyPair;

/**
 * The producing service's signature on one Kafka record, carried in the record's {@link #HEADER} header: EIP-191
 * {@code personal_sign} over {@link #hash} of the topic, key and value exactly as written. A consumer that knows the
 * producer's address checks it before it reads the value, so a record written to the topic by anyone else (a test
 * producer, a leaked broker credential) moves no money and changes no rule. Topic and key are signed with the value:
 * a signed record copied to another topic or key does not verify.
 */
public final class EventSignature {

    /** The record header that holds the signature (0x-prefixed r‖s‖v hex, ASCII). */
    public static final String HEADER = "agora-signature";

    private static final byte[] DOMAIN = "agora-event-v1".getBytes(StandardCharsets.US_ASCII);

    private EventSignature() {
    }

    /**
     * keccak256 of the domain, topic, key and value, each prefixed by its length in bytes (a null key or value — a
     * tombstone — counts as -1).
     */
    public static byte[] hash(String topic, String key, String value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length() * 2));
        field(bytes, DOMAIN);
        field(bytes, topic.getBytes(StandardCharsets.UTF_8));
        field(bytes, key == null ? null : key.getBytes(StandardCharsets.UTF_8));
        field(bytes, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        return Keccak256.hash(bytes.toByteArray());
    }

    /** The signature of the record ({@code topic}, {@code key}, {@code value}) by {@code producer}, for {@link #HEADER}. */
    public static String sign(String topic, String key, String value, ECKeyPair producer) {
        return PersonalSignature.toHex(Secp256k1.signPrefixed(hash(topic, key, value), producer));
    }

    private static void field(ByteArrayOutputStream out, byte[] field) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(field == null ? -1 : field.length).array());
        if (field != null) {
            out.writeBytes(field);
        }
    }
}
