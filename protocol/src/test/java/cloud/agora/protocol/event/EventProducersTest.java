package cloud.agora.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class EventProducersTest {

    private static final String LEASES = Topics.MARKETPLACE_LEASES;
    private static final String VALUE = "{\"type\":\"LeaseCreated\",\"data\":{\"owner\":\"0xvictim\"}}";

    private final ECKeyPair marketplace = key();
    private final ECKeyPair stranger = key();
    private final EventProducers producers = new EventProducers(
            Map.of("marketplace", Set.of(PersonalSignature.addressOf(marketplace))));

    private static ECKeyPair key() {
        try {
            return Keys.createEcKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRecordSignedByItsTopicsProducerIsRead() {
        String signature = EventSignature.sign(LEASES, "lease-1", VALUE, marketplace);
        assertThat(producers.check(LEASES, "lease-1", VALUE, signature)).isEmpty();
        assertThat(producers.check(LEASES, null, VALUE, EventSignature.sign(LEASES, null, VALUE, marketplace))).isEmpty();
    }

    @Test
    void aRecordSignedByAnyoneElseIsForged() {
        assertThat(producers.check(LEASES, "lease-1", VALUE, EventSignature.sign(LEASES, "lease-1", VALUE, stranger)))
                .contains(EventProducers.Rejection.FORGED);
    }

    @Test
    void anUnsignedOrGarbledRecordIsRefused() {
        assertThat(producers.check(LEASES, "lease-1", VALUE, null)).contains(EventProducers.Rejection.UNSIGNED);
        assertThat(producers.check(LEASES, "lease-1", VALUE, "0x1234")).contains(EventProducers.Rejection.MALFORMED);
    }

    @Test
    void aSignedRecordMovedToAnotherKeyTopicOrValueNoLongerVerifies() {
        String signature = EventSignature.sign(LEASES, "lease-1", VALUE, marketplace);
        assertThat(producers.check(LEASES, "lease-2", VALUE, signature)).contains(EventProducers.Rejection.FORGED);
        assertThat(producers.check(LEASES, null, VALUE, signature)).contains(EventProducers.Rejection.FORGED);
        assertThat(producers.check("marketplace.offers.v1", "lease-1", VALUE, signature))
                .contains(EventProducers.Rejection.FORGED);
        assertThat(producers.check(LEASES, "lease-1", VALUE.replace("victim", "vict1m"), signature))
                .contains(EventProducers.Rejection.FORGED);
    }

    @Test
    void aTombstoneIsCheckedLikeAnyRecord() {
        assertThat(producers.check(LEASES, "lease-1", null, null)).contains(EventProducers.Rejection.UNSIGNED);
        assertThat(producers.check(LEASES, "lease-1", null, EventSignature.sign(LEASES, "lease-1", null, marketplace))).isEmpty();
        assertThat(producers.check(LEASES, "lease-1", "", EventSignature.sign(LEASES, "lease-1", null, marketplace)))
                .contains(EventProducers.Rejection.FORGED);
    }

    @Test
    void aTopicWhoseProducerIsNotConfiguredIsNotChecked() {
        assertThat(producers.checks(Topics.GOVERNANCE_DECISIONS)).isFalse();
        assertThat(producers.checks(LEASES)).isTrue();
        assertThat(producers.check(Topics.GOVERNANCE_DECISIONS, "fee", VALUE, null)).isEmpty();
        assertThat(EventProducers.serviceOf(Topics.BILLING_CREDIT)).isEqualTo("billing");
    }
}
