package cloud.agora.storage.integration.agent;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.StorageGrant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.web3j.crypto.ECKeyPair;

/**
 * The storage grants the gateway presents to agents: one per (lease, provider), signed with the gateway's key,
 * valid {@code validity}, and reused until a quarter of its validity remains. Reuse matters for transfers: a 1 GiB
 * DAG is 4,096 block PUTs, and signing each would cost a secp256k1 signature per block for no gain (the grant's
 * scope is the lease, not the block). The quarter left is the margin for the call that carries it: a grant is
 * taken just before a request, which reaches the agent within the 5 s connect timeout (15 s of the default 60 s
 * remain). Expired grants are dropped whenever a new one is signed, so the cache holds at most one grant per lease
 * in use within the last validity. Thread-safe.
 */
public final class StorageGrants {

    private record Key(UUID lease, Address provider) {
    }

    private final Supplier<ECKeyPair> key;
    private final Duration validity;
    private final Duration renewBefore;
    private final Clock clock;
    private final Map<Key, StorageGrant> grants = new ConcurrentHashMap<>();

    /**
     * @param key      the gateway's key (read on first use)
     * @param validity how long each grant is valid
     * @param clock    the gateway's clock
     */
    public StorageGrants(Supplier<ECKeyPair> key, Duration validity, Clock clock) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a storage grant's validity must be positive: " + validity);
        }
        this.key = key;
        this.validity = validity;
        this.renewBefore = validity.dividedBy(4);
        this.clock = clock;
    }

    /** A grant for {@code lease} at {@code provider} with at least a quarter of its validity left. */
    public StorageGrant grantFor(UUID lease, Address provider) {
        Instant now = clock.instant();
        Key k = new Key(lease, provider);
        StorageGrant current = grants.get(k);
        if (current != null && current.expiresAt().minus(renewBefore).isAfter(now)) {
            return current;
        }
        StorageGrant fresh = StorageGrant.issue(lease, provider, now, validity, key.get());
        grants.values().removeIf(g -> !g.expiresAt().isAfter(now));
        grants.put(k, fresh);
        return fresh;
    }

    /** The {@code Authorization} header value carrying {@link #grantFor}. */
    public String authorization(UUID lease, Address provider) {
        return StorageGrant.SCHEME + " " + grantFor(lease, provider).toToken();
    }
}
