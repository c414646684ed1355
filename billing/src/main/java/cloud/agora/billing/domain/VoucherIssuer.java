package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.billing.persistence.VoucherRepository.PairState;
import cloud.agora.billing.persistence.VoucherRepository.StoredVoucher;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Signs cumulative vouchers with billing's delegate key for developers who authorized it on chain, when a pair's
 * unvouchered charges reach the threshold or have waited a whole period (both governed).
 *
 * <p>A voucher commits to <em>every</em> receipt of the pair so far and every upheld dispute's credit: its
 * {@code cumulativeAmount} is exactly the sum of the receipts' charges less the credits and its {@code receiptsRoot}
 * the Merkle root over the receipts' hashes and the credits' leaves (protocol's {@code DisputeCredit}), so the newest redeem event on
 * chain proves every line of the bill, whichever vouchers the provider skipped. Issuing is one transaction (assign
 * the receipts, build the tree, sign, store): a crash at any point leaves either no voucher or the whole voucher,
 * and signing is deterministic (RFC 6979), so doing it again gives the same signature.
 */
@ApplicationScoped
public class VoucherIssuer {

    private static final Logger LOG = Logger.getLogger(VoucherIssuer.class);

    private final Transactions transactions;
    private final VoucherRepository vouchers;
    private final ReceiptRepository receipts;
    private final EscrowLedger ledger;
    private final DelegateKey delegateKey;
    private final BillingConfig config;
    private final BillingRules rules;
    private final Clock clock;
    private final ReceiptProver prover;
    private final BillingMeters meters;

    public VoucherIssuer(Transactions transactions, VoucherRepository vouchers, ReceiptRepository receipts, EscrowLedger ledger,
            DelegateKey delegateKey, BillingConfig config, BillingRules rules, Clock clock, ReceiptProver prover,
            BillingMeters meters) {
        this.transactions = transactions;
        this.vouchers = vouchers;
        this.receipts = receipts;
        this.ledger = ledger;
        this.delegateKey = delegateKey;
        this.config = config;
        this.rules = rules;
        this.clock = clock;
        this.prover = prover;
        this.meters = meters;
    }

    @Scheduled(every = "${agora.billing.vouchers.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.vouchers().enabled() || delegateKey.key().isEmpty() || !ledger.configured()) {
            return;
        }
        try {
            issueDue();
        } catch (RuntimeException e) {
            LOG.warnf("vouchers: will retry: %s", e.getMessage());
        }
    }

    /** Signs a voucher for every pair that is due and whose developer authorized billing; returns them. */
    public List<StoredVoucher> issueDue() {
        BigInteger threshold = rules.voucherThreshold();
        Instant cutoff = clock.instant().minus(rules.voucherPeriod());
        List<PairState> due = transactions.read(c -> vouchers.due(c, threshold, cutoff));
        List<StoredVoucher> issued = new ArrayList<>();
        for (PairState pair : due) {
            issue(pair.consumer(), pair.provider()).ifPresent(issued::add);
        }
        return issued;
    }

    /**
     * Signs the pair's next voucher, covering all its receipts so far, when billing is the developer's delegate and
     * its remaining cap covers what the voucher would pay.
     */
    public Optional<StoredVoucher> issue(Address consumer, Address provider) {
        ECKeyPair key = delegateKey.key().orElseThrow(() -> new IllegalStateException("no delegate key"));
        Address billing = delegateKey.address().orElseThrow();
        EscrowLedger.Allowance allowance = ledger.allowance(consumer);
        if (allowance.delegate().filter(billing::equals).isEmpty()) {
            LOG.debugf("vouchers: %s has not authorized billing (%s); they sign their own", consumer, billing);
            return Optional.empty();
        }
        BigInteger[] increment = new BigInteger[1];
        Optional<StoredVoucher> issued = transactions.inTransaction(c -> {
            Optional<PairState> locked = vouchers.lock(c, consumer, provider);
            // upheld disputes' credits are deducted from the next voucher: while they exceed the new charges, none is due
            if (locked.isEmpty() || locked.get().payable().compareTo(locked.get().vouchered()) <= 0) {
                return Optional.<StoredVoucher>empty();
            }
            PairState pair = locked.get();
            // redeeming pays cumulative - redeemed; the delegate's cap must cover it or the redeem reverts
            BigInteger wouldPay = pair.payable().subtract(pair.redeemed());
            if (wouldPay.compareTo(allowance.remaining().value()) > 0) {
                LOG.warnf("vouchers: %s's cap for billing leaves %s wei, the next voucher to %s would pay %s: not signed",
                        consumer, allowance.remaining(), provider, wouldPay);
                return Optional.<StoredVoucher>empty();
            }
            int seq = pair.voucherSeq() + 1;
            BigInteger[] assigned = vouchers.assign(c, consumer, provider, seq);
            BigInteger credits = vouchers.assignCredits(c, consumer, provider, seq);
            BigInteger cumulative = pair.vouchered().add(assigned[1]).subtract(credits);
            if (!cumulative.equals(pair.payable())) {
                throw new IllegalStateException("pair " + consumer + "/" + provider + ": receipts less credits sum to "
                        + cumulative + " but the pair rated " + pair.rated() + " less " + pair.credited() + " credited");
            }
            ReceiptMerkleTree tree = ReceiptMerkleTree.of(receipts.leavesUpTo(c, consumer.value(), provider.value(), seq));
            Voucher voucher = new Voucher(consumer, provider, new Wei(cumulative), Bytes32.of(tree.root()));
            SignedVoucher signed = SignedVoucher.sign(ledger.domain(), voucher, key);
            Instant now = clock.instant();
            vouchers.save(c, seq, signed, billing, tree.size(), now);
            prover.remember(consumer, provider, seq, tree);
            increment[0] = cumulative.subtract(pair.vouchered());
            LOG.infof("vouchers: %s -> %s #%d: %s wei over %d leaves (receipts and credits), root %s", consumer, provider,
                    seq, cumulative, tree.size(), tree.rootHex());
            return Optional.of(new StoredVoucher(seq, signed, tree.size(), now, false));
        });
        issued.ifPresent(v -> meters.voucherIssued(increment[0])); // committed
        return issued;
    }
}
