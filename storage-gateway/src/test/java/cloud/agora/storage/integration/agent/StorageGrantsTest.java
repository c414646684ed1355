package cloud.agora.storage.integration.agent;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** One grant per lease and provider, reused until a quarter of its validity remains. */
class StorageGrantsTest {

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
        assertThat(verifier.check(first, provider, lease, clock.instant())).isEmpty();
        assertThat(first.expiresAt()).isEqualTo(clock.instant().plusSeconds(60));

        clock.advance(Duration.ofSeconds(44));
        assertThat(grants.grantFor(lease, provider)).isSameAs(first);
        clock.advance(Duration.ofSeconds(2)); // 14 s left: less than a quarter
        StorageGrant renewed = grants.grantFor(lease, provider);
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.issuedAt()).isEqualTo(clock.instant());
        assertThat(verifier.check(renewed, provider, lease, clock.instant())).isEmpty();
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
