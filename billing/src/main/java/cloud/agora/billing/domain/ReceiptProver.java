package cloud.agora.billing.domain;

import cloud.agora.billing.persistence.ReceiptRepository;
import cloud.agora.billing.persistence.ReceiptRepository.StoredReceipt;
import cloud.agora.billing.persistence.SettlementRepository;
import cloud.agora.billing.persistence.SettlementRepository.SettlementRef;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.billing.persistence.VoucherRepository;
import cloud.agora.billing.persistence.VoucherRepository.StoredVoucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.billing.persistence.BatchRepository;
import cloud.agora.protocol.usage.BatchInclusion;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import java.sql.Connection;
import java.sql.SQLException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.web3j.utils.Numeric;

/**
 * Proves a line of the bill: the receipt, and its Merkle path to the root of the newest voucher redeemed on chain
 * that covers it (or, before any redeem, the newest voucher issued). Vouchers never change, so their trees are kept
 * in a small cache.
 */
@ApplicationScoped
public class ReceiptProver {

    private static final int CACHED_TREES = 32;

    private final Transactions transactions;
    private final ReceiptRepository receipts;
    private final VoucherRepository vouchers;
    private final SettlementRepository settlements;
    private final BatchRepository batches;
    private final Map<String, ReceiptMerkleTree> trees = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReceiptMerkleTree> eldest) {
            return size() > CACHED_TREES;
        }
    };

    public ReceiptProver(Transactions transactions, ReceiptRepository receipts, VoucherRepository vouchers,
            SettlementRepository settlements, BatchRepository batches) {
        this.transactions = transactions;
        this.receipts = receipts;
        this.vouchers = vouchers;
        this.settlements = settlements;
        this.batches = batches;
    }

    /**
     * A receipt's proof.
     *
     * @param receipt    the receipt as rated, with its leaf hash and charge
     * @param voucher    the voucher whose root the path leads to
     * @param proof      the sibling hashes, leaf to root (OpenZeppelin {@code MerkleProof.verify} order)
     * @param settlement the confirmed redeem of that voucher, if any
     * @param providerBatch the provider's batch attestation covering the receipt and its path to the batch root, when
     *                   the receipt was attested in a batch (else it carries its provider signature)
     * @param witnessBatch the gateway's witness batch and the receipt's path to its root, when it was witnessed in a
     *                   batch (else it carries the gateway's counter-signature)
     */
    public record ReceiptProof(StoredReceipt receipt, StoredVoucher voucher, List<String> proof, Optional<SettlementRef> settlement,
            Optional<BatchInclusion> providerBatch, Optional<BatchInclusion> witnessBatch) {
    }

    /** The proof of {@code invocationId}, for its developer or its provider. */
    public ReceiptProof prove(UUID invocationId, Address caller) {
        return transactions.read(c -> {
            StoredReceipt stored = receipts.find(c, invocationId).orElseThrow(() -> new ReceiptNotFoundException(invocationId));
            Address consumer = stored.receipt().consumer();
            Address provider = stored.receipt().provider();
            if (!caller.equals(consumer) && !caller.equals(provider)) {
                // the receipt exists, but a stranger learns nothing about it
                throw new ReceiptNotFoundException(invocationId);
            }
            if (stored.voucherSeq() == null) {
                throw new ReceiptNotVoucheredException(invocationId);
            }
            Optional<SettlementRef> settled = settlements.latestCovering(c, consumer, provider, stored.voucherSeq());
            long seq;
            if (settled.isPresent()) {
                seq = settled.get().voucherSeq();
            } else {
                seq = vouchers.pairsOf(c, consumer, true).stream()
                        .filter(p -> p.provider().equals(provider)).findFirst().orElseThrow().voucherSeq();
            }
            StoredVoucher voucher = vouchers.find(c, consumer, provider, seq).orElseThrow();
            ReceiptMerkleTree tree;
            String key = consumer.value() + provider.value() + seq;
            synchronized (trees) {
                tree = trees.get(key);
            }
            if (tree == null) {
                tree = ReceiptMerkleTree.of(receipts.leavesUpTo(c, consumer.value(), provider.value(), (int) seq));
                remember(consumer, provider, seq, tree);
            }
            List<String> proof = tree.proof(Numeric.hexStringToByteArray(stored.hash())).stream()
                    .map(Numeric::toHexString).toList();
            Optional<BatchInclusion> providerBatch = stored.providerBatch() == null ? Optional.empty()
                    : Optional.of(inclusion(c, stored.providerBatch(), provider, stored.hash()));
            Optional<BatchInclusion> witnessBatch = stored.witnessBatch() == null ? Optional.empty()
                    : Optional.of(inclusion(c, stored.witnessBatch(), stored.witnessGateway(), stored.hash()));
            return new ReceiptProof(stored, voucher, proof, settled, providerBatch, witnessBatch);
        });
    }

    private BatchInclusion inclusion(Connection c, String root, Address signer, String receiptHash) throws SQLException {
        BatchRepository.StoredBatch batch = batches.find(c, root, signer)
                .orElseThrow(() -> new IllegalStateException("batch " + root + " of " + signer + " is not stored"));
        List<String> path = ReceiptMerkleTree.of(batch.leaves()).proof(Numeric.hexStringToByteArray(receiptHash)).stream()
                .map(Numeric::toHexString).toList();
        return new BatchInclusion(batch.attestation(), path);
    }

    void remember(Address consumer, Address provider, long seq, ReceiptMerkleTree tree) {
        synchronized (trees) {
            trees.put(consumer.value() + provider.value() + seq, tree);
        }
    }
}
