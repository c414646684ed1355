package cloud.agora.contracts.devnet;

import cloud.agora.contracts.chain.Signer;
import java.util.List;
import java.util.stream.IntStream;
import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.MnemonicUtils;

/**
 * The dev accounts every local Ethereum tool knows: keys derived from the public test mnemonic
 * {@code test test ... junk} along {@code m/44'/60'/0'/0/i}, the ones Anvil and Hardhat fund. They are public
 * knowledge: never use them on a real network.
 */
public final class DevKeys {

    /** Anvil's and Hardhat's default mnemonic. */
    public static final String MNEMONIC = "test test test test test test test test test test test junk";

    /** How many accounts a devnet funds. */
    public static final int COUNT = 10;

    private static final List<Signer> KEYS = derive(COUNT);

    private DevKeys() {
    }

    /** The {@code index}-th dev account (0-based, below {@link #COUNT}). */
    public static Signer get(int index) {
        return KEYS.get(index);
    }

    /** All {@link #COUNT} dev accounts. */
    public static List<Signer> all() {
        return KEYS;
    }

    private static List<Signer> derive(int count) {
        Bip32ECKeyPair master = Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(MNEMONIC, ""));
        int hardened = Bip32ECKeyPair.HARDENED_BIT;
        return IntStream.range(0, count)
                .mapToObj(i -> Signer.of(Bip32ECKeyPair.deriveKeyPair(master, new int[] {44 | hardened, 60 | hardened, hardened, 0, i})))
                .toList();
    }
}
