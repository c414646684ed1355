package cloud.agora.protocol.dispute;

import java.util.UUID;

/**
 * A developer's dispute of one charge ({@code POST /api/v1/disputes} at billing): the charged call and the gateway's
 * witness of how it ended ({@code GET /api/v1/invocations/{id}/witness} at the functions gateway).
 */
public record DisputeRequest(UUID invocationId, CallWitness witness) {
}
