package cloud.agora.storage.integration.agent;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.protocol.invocation.StorageGrant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** One grant per lease and provider, reused until a quarter of its validity remains. */
class StorageGrantsTest {

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-12-04T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final Address provider = Address.parse("0x00000000000000000000000000000000000a9e01");
    final Address other = Address.parse("0x00000000000000000000000000000000000a9e02");

    @Test
    void aGrantIsReusedUntilAQuarterOfItsValidityRemainsAndThenRenewed() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        ManualClock clock = new ManualClock();
        StorageGrants grants = new StorageGrants(() -> key, Duration.ofSeconds(60), clock);
        UUID lease = UUID.randomUUID();

        StorageGrant first = grants.grantFor(lease, provider);
        GrantVerifier verifier = new GrantVerifier(() -> Set.of(PersonalSignature.addressOf(key)), Duration.ZERO);
        assertThat(verifier.check(first, provider, lease, clock.now)).isEmpty();
        assertThat(first.expiresAt()).isEqualTo(clock.now.plusSeconds(60));

        clock.now = clock.now.plusSeconds(44);
        assertThat(grants.grantFor(lease, provider)).isSameAs(first);
        clock.now = clock.now.plusSeconds(2); // 14 s left: less than a quarter
        StorageGrant renewed = grants.grantFor(lease, provider);
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.issuedAt()).isEqualTo(clock.now);
        assertThat(verifier.check(renewed, provider, lease, clock.now)).isEmpty();
    }

    @Test
    void eachLeaseAndProviderGetsItsOwnGrant() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        StorageGrants grants = new StorageGrants(() -> key, Duration.ofSeconds(60), new ManualClock());
        UUID lease = UUID.randomUUID();
        UUID another = UUID.randomUUID();
        StorageGrant a = grants.grantFor(lease, provider);
        StorageGrant b = grants.grantFor(another, provider);
        StorageGrant c = grants.grantFor(lease, other);
        assertThat(b.leaseId()).isEqualTo(another);
        assertThat(c.provider()).isEqualTo(other);
        assertThat(Set.of(a.toToken(), b.toToken(), c.toToken())).hasSize(3);
        assertThat(grants.authorization(lease, provider)).isEqualTo("Agora-Grant " + a.toToken());
    }
}
