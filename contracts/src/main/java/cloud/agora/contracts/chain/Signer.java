package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import java.util.Objects;
import org.web3j.crypto.ECKeyPair;

/**
 * An account that signs transactions: a private key and its address. The key stays inside; {@link #toString()}
 * shows only the address.
 */
public final class Signer {

    private final ECKeyPair key;
    private final Address address;

    private Signer(ECKeyPair key) {
        this.key = Objects.requireNonNull(key, "key");
        this.address = PersonalSignature.addressOf(key);
    }

    /** The signer of {@code key} (as {@link KeyFiles} reads it). */
    public static Signer of(ECKeyPair key) {
        return new Signer(key);
    }

    /** The signer of a hex private key (64 digits, 0x optional). */
    public static Signer ofHex(String privateKeyHex) {
        return new Signer(KeyFiles.parse(privateKeyHex));
    }

    public Address address() {
        return address;
    }

    /** The key, for signing typed data (vouchers, votes) with {@code protocol}'s {@code TypedData}. */
    public ECKeyPair key() {
        return key;
    }

    /** The 0x-prefixed private key; for handing a dev key to a service's configuration, never for logs. */
    public String privateKeyHex() {
        return KeyFiles.toHex(key);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Signer that && that.address.equals(address);
    }

    @Override
    public int hashCode() {
        return address.hashCode();
    }

    @Override
    public String toString() {
        return "Signer[" + address + "]";
    }
}
