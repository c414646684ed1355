package cloud.agora.contracts.chain;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach a chain and how patiently to wait for it.
 *
 * @param rpcUrl        the JSON-RPC endpoint (HTTP)
 * @param chainId       the chain id transactions are signed for (EIP-155); must match the node's
 * @param pollInterval  how often to ask for a receipt or a new block (web3j's default of 15 s is far too slow
 *                      for a local node)
 * @param maxPolls      how many times to ask before giving up with {@link ChainTimeoutException}: retries are
 *                      bounded, waiting at most {@code pollInterval × maxPolls} for the receipt and as long again
 *                      for the confirmations
 * @param confirmations how many blocks must contain or follow a transaction's block before it counts as done:
 *                      1 means "mined"; more protects against short reorganisations on a public chain
 */
public record ChainSettings(String rpcUrl, long chainId, Duration pollInterval, int maxPolls, int confirmations) {

    public ChainSettings {
        Objects.requireNonNull(rpcUrl, "rpcUrl");
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (chainId <= 0) {
            throw new IllegalArgumentException("a chain id is positive, got " + chainId);
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("the poll interval must be positive");
        }
        if (maxPolls < 1 || confirmations < 1) {
            throw new IllegalArgumentException("maxPolls and confirmations are at least 1");
        }
    }

    /**
     * Settings from a service's configuration: poll every {@code pollInterval}, give a transaction
     * {@code receiptTimeout} to be mined (and as long again for its confirmations).
     */
    public static ChainSettings of(String rpcUrl, long chainId, Duration pollInterval, Duration receiptTimeout,
            int confirmations) {
        long polls = Math.max(1, -Math.floorDiv(-receiptTimeout.toMillis(), Math.max(1, pollInterval.toMillis())));
        return new ChainSettings(rpcUrl, chainId, pollInterval, (int) Math.min(Integer.MAX_VALUE, polls), confirmations);
    }

    /** A public or test network: poll every second for up to five minutes, wait for 2 confirmations. */
    public static ChainSettings remote(String rpcUrl, long chainId) {
        return new ChainSettings(rpcUrl, chainId, Duration.ofSeconds(1), 300, 2);
    }

    /** A local node that mines each transaction at once (Anvil): poll every 5 ms, for up to 10 s. */
    public static ChainSettings local(String rpcUrl, long chainId) {
        return new ChainSettings(rpcUrl, chainId, Duration.ofMillis(5), 2_000, 1);
    }

    /** These settings with another confirmation depth. */
    public ChainSettings withConfirmations(int depth) {
        return new ChainSettings(rpcUrl, chainId, pollInterval, maxPolls, depth);
    }
}
