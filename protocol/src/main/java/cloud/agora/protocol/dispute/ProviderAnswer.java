package cloud.agora.protocol.dispute;

import java.util.List;

/**
 * A provider's answer to a dispute over one of its charges ({@code POST /api/v1/disputes/{id}/answer} at billing),
 * before the answer window ends: concede (the dispute is upheld at once) or contest with a statement and references
 * to its own evidence (log lines, CIDs, URLs), which the decision shows beside the facts it was decided on.
 *
 * @param concede   whether the provider agrees the charge is wrong
 * @param statement the provider's words (at most {@value #MAX_STATEMENT} characters)
 * @param evidence  references to the provider's evidence (at most {@value #MAX_EVIDENCE}, each at most 512 characters)
 */
public record ProviderAnswer(boolean concede, String statement, List<String> evidence) {

    public static final int MAX_STATEMENT = 4096;
    public static final int MAX_EVIDENCE = 16;

    public ProviderAnswer {
        statement = statement == null ? "" : statement;
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }
}
