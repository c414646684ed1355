package cloud.agora.support.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInRejectedException;
import cloud.agora.protocol.auth.SiweMessage;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.testsupport.ManualClock;
import cloud.agora.testsupport.PostgresServer;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of one service, each its own {@link SignInService} and {@link UsedNonceTable}, sharing one real
 * PostgreSQL database and the platform secret, as a service's replicas do.
 */
class SignInReplayTest {

    private static final Instant START = Instant.parse("2026-12-06T12:00:00.250Z");

    private final ManualClock clock = new ManualClock(START);
    private final Wallet alice = Wallet.random();
    private AgroalDataSource dataSource;
    private SignInService replicaA;
    private SignInService replicaB;

    @BeforeEach
    void replicas() throws Exception {
        PostgresServer.Database database = PostgresServer.newDatabase();
        dataSource = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(12)
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(database.jdbcUrl())
                                .principal(new NamePrincipal(database.user()))
                                .credential(new SimplePassword(database.password())))));
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             InputStream ddl = UsedNonceTable.class.getResourceAsStream("/db/outbox/V0_2__sign_in_nonces.sql")) {
            statement.execute(new String(ddl.readAllBytes(), StandardCharsets.UTF_8));
        }
        replicaA = replica();
        replicaB = replica();
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private SignInService replica() {
        return new SignInService(new TestAuth(), new UsedNonceTable(dataSource, clock), clock);
    }

    private String sign(String message) {
        return PersonalSignature.sign(message, alice.key());
    }

    @Test
    void theSameSignedMessagePostedTwiceGivesOneToken() {
        String message = replicaA.challenge(alice.address()).toText();
        String signature = sign(message);

        AccessTokens.IssuedToken token = replicaA.signIn(message, signature);
        assertThat(replicaA.authenticate(token.token())).isEqualTo(alice.address());

        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> replicaA.signIn(message, signature)).isInstanceOf(SignInRejectedException.class)
                .hasMessageContaining("already exchanged");
        // the other replica shares the database: it refuses the message too
        assertThatThrownBy(() -> replicaB.signIn(message, signature)).isInstanceOf(SignInRejectedException.class)
                .hasMessageContaining("already exchanged");
        assertThat(rows("SELECT count(*) FROM sign_in_nonces")).isEqualTo(1);
    }

    @Test
    void ofReplicasRacingWithTheSameMessageExactlyOneIssuesAToken() throws Exception {
        String message = replicaA.challenge(alice.address()).toText();
        String signature = sign(message);
        int attempts = 10;
        ExecutorService pool = Executors.newFixedThreadPool(attempts);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<AccessTokens.IssuedToken>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                SignInService replica = i % 2 == 0 ? replicaA : replicaB;
                Callable<AccessTokens.IssuedToken> attempt = () -> {
                    go.await();
                    try {
                        return replica.signIn(message, signature);
                    } catch (SignInRejectedException e) {
                        return null;
                    }
                };
                outcomes.add(pool.submit(attempt));
            }
            go.countDown();
            int tokens = 0;
            for (Future<AccessTokens.IssuedToken> outcome : outcomes) {
                tokens += outcome.get() == null ? 0 : 1;
            }
            assertThat(tokens).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoChallengesForOneAddressInOneSecondDifferAndEachGivesItsOwnToken() {
        SiweMessage first = replicaA.challenge(alice.address());
        SiweMessage second = replicaA.challenge(alice.address());
        SiweMessage third = replicaB.challenge(alice.address());

        assertThat(first.issuedAt()).isEqualTo(second.issuedAt()).isEqualTo(third.issuedAt());
        assertThat(List.of(first.nonce(), second.nonce(), third.nonce())).doesNotHaveDuplicates();
        assertThat(first.toText()).isNotEqualTo(second.toText());
        // consuming one does not consume the other
        assertThat(replicaA.signIn(first.toText(), sign(first.toText())).token()).isNotBlank();
        assertThat(replicaA.signIn(second.toText(), sign(second.toText())).token()).isNotBlank();
        assertThat(replicaB.signIn(third.toText(), sign(third.toText())).token()).isNotBlank();
    }

    @Test
    void aChallengeOfOneReplicaIsCheckedAndExchangedAtAnother() {
        String message = replicaA.challenge(alice.address()).toText();

        // a third replica started afterwards with the same secret: nothing of the challenge is stored anywhere
        assertThat(rows("SELECT count(*) FROM sign_in_nonces")).isZero();
        SignInService replicaC = replica();
        AccessTokens.IssuedToken token = replicaC.signIn(message, sign(message));
        assertThat(replicaA.authenticate(token.token())).isEqualTo(alice.address());
    }

    @Test
    void nonceRowsAreKeptUntilAMinuteAfterTheirMessageExpiredThenDeletedBySignIns() {
        String old = replicaA.challenge(alice.address()).toText();
        replicaA.signIn(old, sign(old));

        clock.advance(Duration.ofMinutes(5));
        // expired: refused before its nonce is looked at
        assertThatThrownBy(() -> replicaB.signIn(old, sign(old))).isInstanceOf(SignInRejectedException.class)
                .hasMessageContaining("expired");
        String fresh = replicaB.challenge(alice.address()).toText();
        replicaB.signIn(fresh, sign(fresh));
        assertThat(rows("SELECT count(*) FROM sign_in_nonces")).isEqualTo(2);

        clock.advance(Duration.ofMinutes(1));
        String later = replicaA.challenge(alice.address()).toText();
        replicaA.signIn(later, sign(later));
        // the first row (expired over a minute ago) is gone; the two live ones stay
        assertThat(rows("SELECT count(*) FROM sign_in_nonces")).isEqualTo(2);
        assertThat(rows("SELECT count(*) FROM sign_in_nonces WHERE expires_at <= '" + START.plus(Duration.ofMinutes(5))
                + "'")).isZero();
    }

    private long rows(String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configuration every replica of the service has. */
    private static final class TestAuth implements AuthConfig {
        @Override
        public String domain() {
            return "localhost:8081";
        }

        @Override
        public String uri() {
            return "http://localhost:8081";
        }

        @Override
        public long chainId() {
            return 31337;
        }

        @Override
        public Optional<String> secret() {
            return Optional.of("sign-in-replay-test-secret-0123456789");
        }

        @Override
        public Optional<Path> secretFile() {
            return Optional.empty();
        }

        @Override
        public Duration tokenLifetime() {
            return Duration.ofHours(1);
        }

        @Override
        public Duration challengeLifetime() {
            return Duration.ofMinutes(5);
        }
    }
}
