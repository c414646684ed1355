package cloud.agora.functions.api;

import static cloud.agora.functions.api.LogStreams.Call;
import static cloud.agora.functions.api.LogStreams.Received;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.history.LogRetention;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.governance.FunctionsParameters;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Log lines are kept for the governed {@code functions.log-retention} (a real {@code ParameterChanged} on
 * {@code governance.decisions.v1}), however many there are, and deleted in bounded batches once older.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class LogRetentionTest {

    static final Duration DEFAULT = Duration.ofDays(7);

    @Inject
    InvocationStore store;

    @Inject
    LogRetention retention;

    @Inject
    FunctionRules rules;

    @Inject
    AgroalDataSource dataSource;

    @TestHTTPResource("/")
    URL base;

    @AfterEach
    void giveBackTheDefault() {
        GovernedLimitsTest.decide(FunctionsParameters.LOG_RETENTION, DEFAULT.toString(), ParameterChanged.UNIT_DURATION,
                GovernedLimitsTest.nextEffectiveAt());
        awaitRetention(DEFAULT);
    }

    @Test
    void retentionDeletesOnlyLinesOlderThanTheGovernedPeriodInBatches() throws Exception {
        awaitRetention(DEFAULT);
        Developer dev = Developer.signedIn();
        String name = "logr-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        UUID function = LogStreams.functionId(dataSource, name);
        Instant now = Instant.now();
        String provider = LogStreams.provider();
        // 25,000 lines of ten days ago: more than two batches of log-retention-batch (10,000)
        List<Call> old = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            List<String> lines = new ArrayList<>();
            for (int l = 0; l < 100; l++) {
                lines.add("ten days ago " + i + "/" + l);
            }
            old.add(Call.of(provider, now.minus(Duration.ofDays(10)), lines));
        }
        LogStreams.record(store, function, old);
        LogStreams.record(store, function, List.of(
                Call.of(provider, now.minus(Duration.ofDays(6)), List.of("six days ago")),
                Call.of(provider, now.minus(Duration.ofHours(3)), List.of("three hours ago")),
                Call.of(provider, now.minus(Duration.ofMinutes(30)), List.of("half an hour ago"))));

        // the default period (7 days): only the ten-day-old lines go, in three batches
        assertThat(retention.deleteExpired()).isEqualTo(25_000);
        assertThat(kept(dev, name)).containsExactly("six days ago", "three hours ago", "half an hour ago");
        assertThat(retention.deleteExpired()).isZero();

        // governance shortens it to two hours: the six-day and three-hour-old lines go, the newer one stays
        GovernedLimitsTest.decide(FunctionsParameters.LOG_RETENTION, "PT2H", ParameterChanged.UNIT_DURATION,
                GovernedLimitsTest.nextEffectiveAt());
        awaitRetention(Duration.ofHours(2));
        assertThat(retention.deleteExpired()).isEqualTo(2);
        assertThat(kept(dev, name)).containsExactly("half an hour ago");
        assertThat(rows(function)).isEqualTo(1);
    }

    @Test
    void aRetentionDecisionThisServiceCannotApplyIsIgnored() {
        awaitRetention(DEFAULT);
        GovernedLimitsTest.decide(FunctionsParameters.LOG_RETENTION, "PT1S", ParameterChanged.UNIT_DURATION,
                GovernedLimitsTest.nextEffectiveAt());
        // a valid decision behind it on the same topic: once it applies, the one before was read (and ignored)
        GovernedLimitsTest.decide(FunctionsParameters.MAX_TIMEOUT, "PT5M", ParameterChanged.UNIT_DURATION,
                GovernedLimitsTest.nextEffectiveAt());
        GovernedLimitsTest.decide(FunctionsParameters.LOG_RETENTION, "PT3H", ParameterChanged.UNIT_DURATION,
                GovernedLimitsTest.nextEffectiveAt());
        awaitRetention(Duration.ofHours(3));
    }

    List<String> kept(Developer dev, String name) {
        return LogStreams.all(base, dev.token, name, "", false).stream().map(Received::text).toList();
    }

    long rows(UUID function) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM function_logs WHERE function_id = ?")) {
            s.setObject(1, function);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    void awaitRetention(Duration expected) {
        try {
            ReplicaHealthTest.await(() -> rules.inEffect().logRetention().equals(expected));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertThat(rules.inEffect().logRetention()).isEqualTo(expected);
    }
}
