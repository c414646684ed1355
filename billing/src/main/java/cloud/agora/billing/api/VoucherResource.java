package cloud.agora.billing.api;

import cloud.agora.billing.domain.AccessDeniedException;
import cloud.agora.billing.domain.BillReader;
import cloud.agora.billing.domain.InvalidQueryException;
import cloud.agora.billing.persistence.VoucherRepository.StoredVoucher;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidAddressException;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Optional;

/** The latest voucher per developer for a provider, ready to redeem. */
@Path("/api/v1/vouchers")
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class VoucherResource {

    private final BillReader bills;
    private final Caller caller;

    public VoucherResource(BillReader bills, Caller caller) {
        this.bills = bills;
        this.caller = caller;
    }

    @GET
    @ProblemResponses({InvalidQueryException.class, InvalidAddressException.class, AccessDeniedException.class})
    public List<VoucherView> latest(@QueryParam("provider") String provider, @QueryParam("consumer") String consumer) {
        if (provider == null) {
            throw new InvalidQueryException("provider", "provider=<address> is required");
        }
        return bills.vouchers(caller.address(), Address.parse(provider), Optional.ofNullable(consumer).map(Address::parse))
                .stream().map(VoucherResource::view).toList();
    }

    static VoucherView view(StoredVoucher v) {
        return new VoucherView(v.sequence(), v.signed(), v.receipts(), v.issuedAt(), v.redeemed());
    }
}
