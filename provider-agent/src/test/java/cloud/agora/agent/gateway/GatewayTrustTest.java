package cloud.agora.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.lease.MarketplaceUnavailableException;
import cloud.agora.agent.lease.SnapshotFile;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.GrantVerifier.Rejection;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.protocol.market.GatewayKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/** Which gateway keys count: configured ones, else those the marketplace publishes; none until known. */
class GatewayTrustTest {

    static final ECKeyPair FUNCTIONS = KeyFiles.parse("11".repeat(32));
    static final ECKeyPair STORAGE = KeyFiles.parse("22".repeat(32));
    static final ECKeyPair ROTATED = KeyFiles.parse("44".repeat(32));
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    final Instant now = Instant.now();
    final UUID lease = UUID.randomUUID();

    /** A marketplace answering from a script: an empty entry is an outage. */
    static final class ScriptedDirectory implements GatewayDirectory {
        final Deque<Optional<GatewayKeys>> answers = new ArrayDeque<>();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public GatewayKeys gateways() {
            reads.incrementAndGet();
            Optional<GatewayKeys> next = answers.isEmpty() ? Optional.empty() : answers.size() == 1 ? answers.peek() : answers.poll();
            return next.orElseThrow(() -> new MarketplaceUnavailableException("marketplace down", null));
        }
    }

    InvocationGrant grant(ECKeyPair gateway) {
        return InvocationGrant.unsigned(UUID.randomUUID(), lease, PROVIDER, CONSUMER, "bafkreibundle", 1000, now,
                Duration.ofSeconds(30)).signedBy(gateway);
    }

    String storageToken(ECKeyPair gateway) {
        return StorageGrant.SCHEME + " " + StorageGrant.issue(lease, PROVIDER, now, Duration.ofSeconds(60), gateway).toToken();
    }

    static GatewayKeys keys(ECKeyPair functions, ECKeyPair storage) {
        return new GatewayKeys(List.of(PersonalSignature.addressOf(functions)), List.of(PersonalSignature.addressOf(storage)));
    }

    @Test
    void untilTheMarketplaceAnswersEveryGrantIsRefusedAsForgedThenItsKeysCount() {
        GatewayTrust trust = GatewayTrust.learning(Duration.ofSeconds(30));
        StorageGrantCheck storage = new StorageGrantCheck(trust, PROVIDER, Clock.fixed(now, java.time.ZoneOffset.UTC));
        ScriptedDirectory marketplace = new ScriptedDirectory();
        marketplace.answers.add(Optional.empty());
        marketplace.answers.add(Optional.of(keys(FUNCTIONS, STORAGE)));

        assertThat(trust.known()).isFalse();
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).map(Rejection::reason)
                .contains(Rejection.FORGED);
        assertThat(storage.check(storageToken(STORAGE), lease.toString())).map(Rejection::reason).contains(Rejection.FORGED);

        assertThat(trust.learnFrom(marketplace)).isFalse();
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).map(Rejection::reason)
                .contains(Rejection.FORGED);

        assertThat(trust.learnFrom(marketplace)).isTrue();
        assertThat(trust.known()).isTrue();
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).isEmpty();
        assertThat(storage.check(storageToken(STORAGE), lease.toString())).isEmpty();
        // each kind of key signs only its own kind of grant
        assertThat(trust.invocationGrants().check(grant(STORAGE), PROVIDER, now)).map(Rejection::reason).contains(Rejection.FORGED);
        assertThat(storage.check(storageToken(FUNCTIONS), lease.toString())).map(Rejection::reason).contains(Rejection.FORGED);
    }

    @Test
    void eachResyncRefreshesTheLearntKeysAndAnOutageKeepsTheLastOnes() {
        GatewayTrust trust = GatewayTrust.learning(Duration.ofSeconds(30));
        ScriptedDirectory marketplace = new ScriptedDirectory();
        marketplace.answers.add(Optional.of(keys(FUNCTIONS, STORAGE)));
        marketplace.answers.add(Optional.empty());
        marketplace.answers.add(Optional.of(keys(ROTATED, STORAGE)));

        trust.learnFrom(marketplace);
        trust.learnFrom(marketplace);
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).isEmpty();

        trust.learnFrom(marketplace);
        assertThat(trust.invocationGrants().check(grant(ROTATED), PROVIDER, now)).isEmpty();
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).map(Rejection::reason)
                .contains(Rejection.FORGED);
    }

    /** An agent restarted while the marketplace is away trusts the keys it learnt last, and only those. */
    @Test
    void theKeysLearntLastAreTrustedAfterARestartWhileTheMarketplaceIsAway(@TempDir Path dir) {
        SnapshotFile<GatewayKeys> kept = new SnapshotFile<>(dir.resolve("gateways.json"), GatewayKeys.class);
        ScriptedDirectory marketplace = new ScriptedDirectory();
        marketplace.answers.add(Optional.of(keys(FUNCTIONS, STORAGE)));
        marketplace.answers.add(Optional.of(keys(ROTATED, STORAGE)));
        GatewayTrust before = GatewayTrust.learning(Duration.ofSeconds(30), kept);
        before.learnFrom(marketplace);
        before.learnFrom(marketplace);

        GatewayTrust restarted = GatewayTrust.learning(Duration.ofSeconds(30), kept);
        assertThat(restarted.learnFrom(new ScriptedDirectory())).as("the marketplace is away").isTrue();
        assertThat(restarted.invocationGrants().check(grant(ROTATED), PROVIDER, now)).isEmpty();
        assertThat(restarted.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).map(Rejection::reason)
                .contains(Rejection.FORGED);
    }

    @Test
    void configuredKeysWinAndTheMarketplaceIsNeverAsked() {
        GatewayTrust trust = GatewayTrust.configured(List.of(PersonalSignature.addressOf(FUNCTIONS)), List.of(),
                Duration.ofSeconds(30));
        ScriptedDirectory marketplace = new ScriptedDirectory();
        marketplace.answers.add(Optional.of(keys(ROTATED, ROTATED)));

        assertThat(trust.learnFrom(marketplace)).isTrue();
        assertThat(marketplace.reads).hasValue(0);
        assertThat(trust.invocationGrants().check(grant(FUNCTIONS), PROVIDER, now)).isEmpty();
        assertThat(trust.invocationGrants().check(grant(ROTATED), PROVIDER, now)).map(Rejection::reason)
                .contains(Rejection.FORGED);
        // storage unset while functions is set: no storage key is trusted
        StorageGrantCheck storage = new StorageGrantCheck(trust, PROVIDER, Clock.fixed(now, java.time.ZoneOffset.UTC));
        assertThat(storage.check(storageToken(STORAGE), lease.toString())).map(Rejection::reason).contains(Rejection.FORGED);
    }

    @Test
    void aStorageGrantIsCheckedAfterItsSignatureAgainstThePathsLease() {
        GatewayTrust trust = GatewayTrust.configured(List.of(), List.of(PersonalSignature.addressOf(STORAGE)), Duration.ofSeconds(30));
        StorageGrantCheck storage = new StorageGrantCheck(trust, PROVIDER, Clock.fixed(now, java.time.ZoneOffset.UTC));
        assertThat(storage.check(null, lease.toString())).map(Rejection::reason).contains(Rejection.MISSING);
        assertThat(storage.check("Bearer x", lease.toString())).map(Rejection::reason).contains(Rejection.MISSING);
        assertThat(storage.check(StorageGrant.SCHEME + " garbage", lease.toString())).map(Rejection::reason)
                .contains(Rejection.FORGED);
        assertThat(storage.check(storageToken(ROTATED), "not-a-uuid")).map(Rejection::reason).contains(Rejection.FORGED);
        assertThat(storage.check(storageToken(STORAGE), "not-a-uuid")).map(Rejection::reason).contains(Rejection.MISMATCH);
        assertThat(storage.check(storageToken(STORAGE), UUID.randomUUID().toString())).map(Rejection::reason)
                .contains(Rejection.MISMATCH);
        assertThat(storage.check(storageToken(STORAGE), lease.toString())).isEmpty();
    }
}
