package cloud.agora.agent.gateway;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.agent.lease.SnapshotFile;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.protocol.market.GatewayKeys;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The gateway keys this agent trusts: the functions gateways' (invocation grants) and the storage gateways'
 * (storage grants), and the verifiers that check grants against them.
 *
 * <p>Configured keys win and never change. An agent configured with neither list learns both from the marketplace
 * ({@link #learnFrom}), so it trusts the marketplace to name the platform's gateways; until the first answer it trusts
 * no key and every grant is refused as forged. Later answers replace the keys (a gateway key can rotate); a failed
 * read keeps the last keys learnt. With a {@link SnapshotFile} the keys learnt are kept there, and an agent that
 * starts while the marketplace cannot be reached trusts the keys it learnt last (so it can serve the leases it restored).
 * Thread-safe: the key sets are replaced whole.
 */
public final class GatewayTrust {

    private static final Logger LOG = Logger.getLogger(GatewayTrust.class);

    private final boolean configured;
    private volatile Set<Address> functions;
    private volatile Set<Address> storage;
    private volatile boolean learnt;
    private final GrantVerifier invocationGrants;
    private final GrantVerifier storageGrants;
    private final SnapshotFile<GatewayKeys> kept;

    private GatewayTrust(boolean configured, Set<Address> functions, Set<Address> storage, Duration skew,
            SnapshotFile<GatewayKeys> kept) {
        this.configured = configured;
        this.kept = kept;
        this.functions = functions;
        this.storage = storage;
        this.invocationGrants = new GrantVerifier(() -> this.functions, skew);
        this.storageGrants = new GrantVerifier(() -> this.storage, skew);
    }

    /** Trusts exactly these keys (an unset list: none of that kind). */
    public static GatewayTrust configured(List<Address> functions, List<Address> storage, Duration skew) {
        return new GatewayTrust(true, Set.copyOf(functions), Set.copyOf(storage), skew, null);
    }

    /** Trusts nothing until {@link #learnFrom} reads the published keys. */
    public static GatewayTrust learning(Duration skew) {
        return new GatewayTrust(false, Set.of(), Set.of(), skew, null);
    }

    /** Trusts the keys kept in {@code kept} (if any) until {@link #learnFrom} reads the published keys, and keeps those. */
    public static GatewayTrust learning(Duration skew, SnapshotFile<GatewayKeys> kept) {
        Optional<GatewayKeys> last = kept.read();
        GatewayTrust trust = new GatewayTrust(false, last.map(k -> Set.copyOf(k.functions())).orElse(Set.of()),
                last.map(k -> Set.copyOf(k.storage())).orElse(Set.of()), skew, kept);
        if (last.isPresent()) {
            trust.learnt = true;
            LOG.infof("trusting the gateway keys learnt before this start until the marketplace answers: functions %s,"
                    + " storage %s", trust.functions, trust.storage);
        }
        return trust;
    }

    /** Whether the keys come from the marketplace (neither list configured). */
    public boolean learns() {
        return !configured;
    }

    /** Whether the keys are known: configured, or learnt at least once. */
    public boolean known() {
        return configured || learnt;
    }

    /**
     * Reads the published keys and trusts them from now on; does nothing when the keys are configured.
     *
     * @return whether the keys are known after this attempt
     */
    public boolean learnFrom(GatewayDirectory directory) {
        if (configured) {
            return true;
        }
        GatewayKeys keys;
        try {
            keys = directory.gateways();
        } catch (MarketplaceUnavailableException e) {
            if (!learnt) {
                LOG.debugf("gateway keys not learnt yet (calls are refused until they are): %s", e.getMessage());
            }
            return learnt;
        }
        Set<Address> newFunctions = Set.copyOf(keys.functions());
        Set<Address> newStorage = Set.copyOf(keys.storage());
        if (!learnt || !newFunctions.equals(functions) || !newStorage.equals(storage)) {
            LOG.infof("trusting the gateway keys the marketplace publishes: functions %s, storage %s", newFunctions, newStorage);
            if (kept != null) {
                try {
                    kept.write(keys);
                } catch (RuntimeException e) {
                    LOG.warnf("cannot keep the gateway keys for a restart while the marketplace is away: %s", e.getMessage());
                }
            }
        }
        functions = newFunctions;
        storage = newStorage;
        learnt = true;
        return true;
    }

    /** The functions gateways' keys trusted now. */
    public Set<Address> functions() {
        return functions;
    }

    /** The storage gateways' keys trusted now. */
    public Set<Address> storage() {
        return storage;
    }

    /** Checks invocation grants against {@link #functions()}. */
    public GrantVerifier invocationGrants() {
        return invocationGrants;
    }

    /** Checks storage grants against {@link #storage()}. */
    public GrantVerifier storageGrants() {
        return storageGrants;
    }
}
