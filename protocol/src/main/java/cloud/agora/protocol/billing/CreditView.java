package cloud.agora.protocol.billing;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;

/**
 * A developer's credit as billing decided it: the payload of {@code billing.credit.v1}.
 *
 * @param consumer the developer
 * @param balance  their escrow balance on chain
 * @param unpaid   rated charges not yet redeemed
 * @param floor    the governed floor under which deployments pause
 * @param paused   whether their deployments must stop receiving calls
 */
public record CreditView(Address consumer, Wei balance, Wei unpaid, Wei floor, boolean paused) {
}
