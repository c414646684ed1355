package cloud.agora.governance.domain;

import java.time.Instant;

/**
 * One parameter change of a proposal.
 *
 * @param parameter  the parameter name
 * @param value      its new value (canonical)
 * @param executedAt when it took effect, null before
 * @param txHash     the execution transaction for an on-chain change (null when it needed none or for a service)
 */
public record ProposalChange(String parameter, String value, Instant executedAt, String txHash) {
}
