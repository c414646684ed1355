package cloud.agora.billing.api;

import cloud.agora.billing.domain.AccessDeniedException;
import cloud.agora.billing.domain.BillReader;
import cloud.agora.billing.domain.BillReader.Account;
import cloud.agora.billing.domain.BillReader.Statement;
import cloud.agora.billing.domain.ChainUnavailableException;
import cloud.agora.billing.domain.CreditController;
import cloud.agora.billing.domain.InvalidQueryException;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidAddressException;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** A developer's account and statements. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@SignedIn
public class AccountResource {

    private final BillReader bills;
    private final Caller caller;
    private final Clock clock;
    private final CreditController credit;

    public AccountResource(BillReader bills, Caller caller, Clock clock, CreditController credit) {
        this.credit = credit;
        this.bills = bills;
        this.caller = caller;
        this.clock = clock;
    }

    /** On-chain balance and cap, rated, vouchered, redeemed, unpaid. */
    @GET
    @Path("/accounts/{address}")
    @ProblemResponses({InvalidAddressException.class, AccessDeniedException.class, ChainUnavailableException.class})
    public Account account(@PathParam("address") String address) {
        return bills.account(caller.address(), Address.parse(address));
    }

    /**
     * The caller's credit decided now ({@code Credit}: balance, pending withdrawal, billing's cap left, unpaid,
     * spendable, floor and why they would be paused); 503 {@code chain-unavailable} without the chain. The decision is
     * recorded and, when it changes the developer's standing, published at once (an authorization or a deposit the
     * developer just made resumes them now, not at the next timed review).
     */
    @GET
    @Path("/accounts/{address}/credit")
    @ProblemResponses({InvalidAddressException.class, AccessDeniedException.class, ChainUnavailableException.class})
    public CreditView credit(@PathParam("address") String address) {
        Address account = Address.parse(address);
        if (!caller.address().equals(account)) {
            throw new AccessDeniedException(caller.address(), "only " + account + " sees its credit");
        }
        return credit.reviewNow(account).view(account);
    }

    /**
     * The caller's statement for the UTC days [from, to) (default: this month so far), as developer or, with
     * {@code as=provider}, as provider.
     */
    @GET
    @Path("/statements")
    @ProblemResponses({InvalidQueryException.class})
    public Statement statement(@QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("as") String role) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        LocalDate start = day("from", from, today.withDayOfMonth(1));
        LocalDate end = day("to", to, today.plusDays(1));
        if (role != null && !role.equals("consumer") && !role.equals("provider")) {
            throw new InvalidQueryException("as", "as is consumer or provider");
        }
        return bills.statement(caller.address(), "provider".equals(role), instant(start), instant(end));
    }

    private static LocalDate day(String name, String text, LocalDate otherwise) {
        if (text == null) {
            return otherwise;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidQueryException(name, name + " is a date (YYYY-MM-DD), got '" + text + "'");
        }
    }

    private static Instant instant(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
