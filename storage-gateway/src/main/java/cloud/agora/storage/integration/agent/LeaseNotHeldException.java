package cloud.agora.storage.integration.agent;

import cloud.agora.storage.domain.replica.AgentCallException;

/**
 * An agent answered {@code 404 lease-not-held}: it has not learned the lease from the marketplace's stream yet. What
 * {@link HttpStorageProviders#put} retries (SmallRye Fault Tolerance's {@code @Retry}) for up to
 * {@link HttpStorageProviders#LEASE_LAG}; after that it fails the replica like any refusal.
 */
public class LeaseNotHeldException extends AgentCallException {

    public LeaseNotHeldException(String message) {
        super(Failure.REFUSED, message);
    }
}
