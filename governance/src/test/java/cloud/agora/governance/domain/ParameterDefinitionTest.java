package cloud.agora.governance.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class ParameterDefinitionTest {

    static ParameterDefinition named(String name) {
        return Parameters.named(name).orElseThrow();
    }

    @Test
    void acceptsTheBoundsThemselvesAndWritesOneCanonicalForm() {
        assertThat(named("escrow.fee-bps").canonical("1000")).isEqualTo("1000");
        assertThat(named("escrow.fee-bps").canonical(" 0 ")).isEqualTo("0");
        assertThat(named("escrow.fee-bps").canonical("007")).isEqualTo("7");
        assertThat(named("marketplace.heartbeat-timeout").canonical("PT0M45.000S")).isEqualTo("PT45S");
        assertThat(named("escrow.withdrawal-delay").canonical("P30D")).isEqualTo("PT720H");
        assertThat(named("billing.witness-window").canonical("P7D")).isEqualTo("PT168H");
    }

    @Test
    void refusesValuesOutsideTheBoundsOrMalformed() {
        assertThatThrownBy(() -> named("escrow.fee-bps").canonical("1001")).isInstanceOf(InvalidProposalException.class)
                .hasMessageContaining("out of bounds [0, 1000] bps");
        assertThatThrownBy(() -> named("escrow.withdrawal-delay").canonical("P31D")).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> named("billing.witness-window").canonical("PT59S")).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> named("billing.witness-window").canonical("P8D")).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> named("marketplace.heartbeat-timeout").canonical("30")).hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> named("functions.max-body-size").canonical("1e6")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> named("escrow.fee-bps").canonical("")).hasMessageContaining("required");
    }

    @Test
    void everyDeclarationIsConsistent() {
        var names = new HashSet<String>();
        for (ParameterDefinition p : Parameters.ALL) {
            assertThat(names.add(p.name())).as("unique " + p.name()).isTrue();
            assertThat(p.canonical(p.defaultValue())).as("default of " + p.name() + " within bounds").isEqualTo(p.defaultValue());
            assertThat(p.canonical(p.min())).isEqualTo(p.min());
            assertThat(p.canonical(p.max())).isEqualTo(p.max());
            assertThat(p.unit().equals("duration")).as(p.name() + " unit matches kind").isEqualTo(p.kind() == ParameterKind.DURATION);
        }
        // every parameter a service follows from governance.decisions.v1 is declared here
        assertThat(names).contains("escrow.fee-bps", "marketplace.heartbeat-timeout", "marketplace.max-bid-lifetime",
                "marketplace.reputation-window",
                "billing.voucher-threshold", "billing.voucher-period", "billing.credit-floor", "billing.witness-window",
                "billing.dispute-window",
                "functions.max-timeout", "functions.max-body-size", "functions.max-image-size",
                "functions.log-retention", "functions.scale-down-after");
        assertThat(Parameters.ALL).hasSize(20);
    }

    @Test
    void quorumRoundsUpAndNeedsForPlusAbstain() {
        assertThat(Tally.quorumOf(BigInteger.valueOf(10_001), 400)).isEqualTo(BigInteger.valueOf(401));
        assertThat(Tally.quorumOf(BigInteger.valueOf(10_000), 400)).isEqualTo(BigInteger.valueOf(400));
        Tally tally = new Tally(BigInteger.valueOf(300), BigInteger.valueOf(299), BigInteger.valueOf(100), 3);
        assertThat(tally.reaches(BigInteger.valueOf(400))).isTrue();
        assertThat(tally.reaches(BigInteger.valueOf(401))).isFalse();
        assertThat(tally.majorityFor()).isTrue();
        assertThat(new Tally(BigInteger.TEN, BigInteger.TEN, BigInteger.ZERO, 2).majorityFor()).as("a tie fails").isFalse();
    }
}
