package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * A deployment refused because billing would not collect for it (402 {@code payment-required}): the developer has not
 * authorized billing's delegate in the escrow (or asked to revoke it), or their spendable credit is below the
 * governed floor. The problem carries billing's {@code reason}, {@code spendable} and {@code floor}.
 */
public class PaymentRequiredException extends ProblemException {

    public PaymentRequiredException(String function, CreditView credit) {
        super(402, "payment-required", "Payment is not secured", detail(function, credit), Map.of(
                "reason", credit.reason(), "spendable", credit.spendable().toString(), "floor", credit.floor().toString()));
    }

    private static String detail(String function, CreditView credit) {
        String why = CreditView.NOT_AUTHORIZED.equals(credit.reason())
                ? "billing's delegate is not authorized in the escrow (authorize it with a cap, e.g. `agora cli authorize`)"
                : "the spendable credit (" + credit.spendable() + " wei: escrow balance less a requested withdrawal, within"
                        + " billing's cap, less unpaid charges) is below the floor (" + credit.floor() + " wei): deposit";
        return "'" + function + "' is not deployed: " + why;
    }
}
