package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.usage.UsageEvents;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.testsupport.TopicReader;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The gateway's witness batches on {@code usage.receipts.v1}, read as billing reads them: every record there is the
 * gateway's ({@code ReceiptsWitnessed}: it publishes no receipts of its own any more), and a receipt counts as
 * witnessed when a batch lists its hash.
 */
final class WitnessRecords {

    private static final TypeReference<EventEnvelope<WitnessBatch>> EVENT = new TypeReference<>() {
    };

    private WitnessRecords() {
    }

    /** One witness batch as published. */
    record Witnessed(ConsumerRecord<String, String> record, EventEnvelope<WitnessBatch> envelope) {

        WitnessBatch batch() {
            return envelope.data();
        }

        /** Whether the batch lists {@code receipt}'s hash. */
        boolean names(UsageReceipt receipt) {
            return batch().hashes().stream().anyMatch(h -> Arrays.equals(h, receipt.hash()));
        }
    }

    /**
     * Reads the topic until every one of {@code receipts} is named by a witness batch (30 s at most); returns every
     * record read, each checked to be a witness batch.
     */
    static List<Witnessed> readUntilWitnessed(List<UsageReceipt> receipts) {
        List<ConsumerRecord<String, String>> records = TopicReader.readUntil(Topics.USAGE_RECEIPTS,
                rs -> receipts.stream().allMatch(r -> parse(rs).stream().anyMatch(w -> w.names(r))), Duration.ofSeconds(30));
        assertThat(records).allSatisfy(r -> assertThat(JsonCodec.read(r.value(), JsonNode.class).path("type").asText())
                .as("the gateway publishes witness batches only").isEqualTo(UsageEvents.WITNESS_BATCH));
        return parse(records);
    }

    /** The one batch that names {@code receipt}. */
    static Witnessed witnessing(List<Witnessed> batches, UsageReceipt receipt) {
        List<Witnessed> naming = batches.stream().filter(w -> w.names(receipt)).toList();
        assertThat(naming).as("witness batches naming invocation " + receipt.invocationId()).hasSize(1);
        return naming.get(0);
    }

    /**
     * The batch is the test gateway's, as billing checks it: its root is the root of the hashes it lists and the
     * signature over that root recovers the gateway key; the record is keyed by the gateway's address and its id is the
     * root.
     */
    static void assertSignedByTheGateway(Witnessed witnessed) {
        WitnessBatch batch = witnessed.batch();
        assertThat(batch.attestation().signer()).isEqualTo(GatewayKeyResource.address());
        assertThat(batch.problem(batch.hashes(), new SignerKeys())).isEmpty();
        assertThat(witnessed.envelope().type()).isEqualTo(UsageEvents.WITNESS_BATCH);
        assertThat(witnessed.envelope().source()).isEqualTo("functions");
        assertThat(witnessed.envelope().id()).isEqualTo(batch.attestation().root());
        assertThat(witnessed.record().key()).isEqualTo(GatewayKeyResource.address().value())
                .isEqualTo(witnessed.envelope().subject());
    }

    private static List<Witnessed> parse(List<ConsumerRecord<String, String>> records) {
        return records.stream().filter(r -> r.value().contains("\"" + UsageEvents.WITNESS_BATCH + "\""))
                .map(r -> new Witnessed(r, JsonCodec.read(r.value(), EVENT))).toList();
    }
}
