package cloud.agora.billing.domain;

import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.billing.persistence.VoucherRepository.PairState;
import cloud.agora.billing.persistence.VoucherRepository.StoredVoucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Accounts, statements and vouchers as their owners read them (authorization per object). */
@ApplicationScoped
public class BillReader {

    private final Transactions transactions;
    private final VoucherRepository vouchers;
    private final EscrowLedger ledger;
    private final CreditController credit;

    public BillReader(Transactions transactions, VoucherRepository vouchers, EscrowLedger ledger, CreditController credit) {
        this.transactions = transactions;
        this.vouchers = vouchers;
        this.ledger = ledger;
        this.credit = credit;
    }

    /**
     * A developer's account. On-chain figures are absent when the chain cannot be reached.
     *
     * @param balance   escrow balance on chain
     * @param delegate  the delegate key the developer authorized, its cap and spending
     * @param rated     everything rated for the developer
     * @param vouchered what billing's vouchers cover
     * @param redeemed  what providers redeemed (confirmed)
     * @param credited  upheld disputes' credits (the vouchers deduct them)
     * @param unpaid    rated − credited − redeemed
     * @param paused    whether credit control paused the developer's deployments
     * @param earned    as a provider: what was rated in the caller's favour
     * @param received  as a provider: what was redeemed in the caller's favour
     */
    public record Account(Address address, Optional<Wei> balance, Optional<EscrowLedger.Allowance> delegate, Wei rated,
            Wei credited, Wei vouchered, Wei redeemed, Wei unpaid, boolean paused, Wei earned, Wei received) {
    }

    public Account account(Address caller, Address address) {
        if (!caller.equals(address)) {
            throw new AccessDeniedException(caller, "only " + address + " sees its account");
        }
        List<PairState> owes = transactions.read(c -> vouchers.pairsOf(c, address, true));
        List<PairState> owed = transactions.read(c -> vouchers.pairsOf(c, address, false));
        Optional<Wei> balance = Optional.empty();
        Optional<EscrowLedger.Allowance> delegate = Optional.empty();
        if (ledger.configured()) {
            try {
                balance = Optional.of(ledger.balanceOf(address));
                delegate = Optional.of(ledger.allowance(address));
            } catch (ChainUnavailableException e) {
                // the database figures still stand
            }
        }
        return new Account(address, balance, delegate, sum(owes, PairState::rated), sum(owes, PairState::credited),
                sum(owes, PairState::vouchered),
                sum(owes, PairState::redeemed), sum(owes, PairState::unpaid), credit.paused(address),
                sum(owed, PairState::rated), sum(owed, PairState::redeemed));
    }

    /** One line of a statement: a lease's receipts in the period. */
    public record StatementLine(UUID leaseId, Address consumer, Address provider, long receipts, Wei charged) {
    }

    /** The caller's statement for [from, to) as developer (or as provider). */
    public record Statement(Address account, String role, Instant from, Instant to, List<StatementLine> lines, long receipts,
            Wei total) {
    }

    public Statement statement(Address caller, boolean asProvider, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new InvalidQueryException("from", "a period starts before it ends");
        }
        String column = asProvider ? "provider_address" : "consumer_address";
        List<StatementLine> lines = transactions.read(c -> {
            List<StatementLine> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT lease_id, consumer_address, provider_address, count(*), sum(charge) "
                    + "FROM receipts WHERE " + column + " = ? AND ended_at >= ? AND ended_at < ? "
                    + "GROUP BY lease_id, consumer_address, provider_address ORDER BY provider_address, consumer_address, lease_id")) {
                s.setString(1, caller.value());
                s.setTimestamp(2, Timestamp.from(from));
                s.setTimestamp(3, Timestamp.from(to));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(new StatementLine(r.getObject(1, UUID.class), new Address(r.getString(2)), new Address(r.getString(3)),
                                r.getLong(4), new Wei(r.getBigDecimal(5).toBigIntegerExact())));
                    }
                }
            }
            return out;
        });
        long count = lines.stream().mapToLong(StatementLine::receipts).sum();
        BigInteger total = lines.stream().map(l -> l.charged().value()).reduce(BigInteger.ZERO, BigInteger::add);
        return new Statement(caller, asProvider ? "provider" : "consumer", from, to, lines, count, new Wei(total));
    }

    /** The latest voucher per developer for {@code provider}; the provider sees all, a developer only theirs. */
    public List<StoredVoucher> vouchers(Address caller, Address provider, Optional<Address> consumer) {
        if (!caller.equals(provider)) {
            if (consumer.isEmpty() || !consumer.get().equals(caller)) {
                throw new AccessDeniedException(caller, "a provider sees its vouchers; a developer adds consumer=<own address>");
            }
        }
        return transactions.read(c -> vouchers.latestFor(c, provider, consumer));
    }

    private static Wei sum(List<PairState> pairs, java.util.function.Function<PairState, BigInteger> figure) {
        return new Wei(pairs.stream().map(figure).reduce(BigInteger.ZERO, BigInteger::add));
    }

}
