package cloud.agora.governance.domain;

import java.util.List;

/**
 * What a proposer submits.
 *
 * @param title       a one-line summary
 * @param description the rationale (may be empty)
 * @param changes     one to {@link ProposalMaker#MAX_CHANGES} parameter changes, each parameter at most once
 */
public record ProposalDraft(String title, String description, List<Change> changes) {

    /** A parameter and its proposed value (written as {@code GET /api/v1/parameters} shows values). */
    public record Change(String parameter, String value) {
    }
}
