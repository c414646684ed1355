package cloud.agora.functions.domain.invocation;

import java.math.BigInteger;

/**
 * What a claim on a developer's spendable credit found: the claim's id and amount (id 0 and amount 0 when refused),
 * billing's newest spendable figure (null when none is known) and what claims made since the rating lag before it
 * already hold.
 */
public record CreditClaim(long id, BigInteger amount, BigInteger spendable, BigInteger held) {

    /** Whether the claim was granted. */
    public boolean granted() {
        return id != 0;
    }
}
