package cloud.agora.agent.storage;

import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.ipld.Cid;
import cloud.agora.ipld.InvalidCidException;
import cloud.agora.protocol.invocation.StorageProof;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The agent's storage role (DESIGN, "Storage role of the agent"): keeps the blocks of the
 * storage leases this provider holds and answers audits. Every operation first checks that the
 * lease is an active {@code STORAGE} lease held by this provider ({@code lease-not-held} 404
 * otherwise, whether the lease is unknown, closed, someone else's or a compute lease).
 */
public final class BlockKeeper {

    private static final long GIB = 1L << 30;

    private final LeaseBook leases;
    private final BlockStore store;

    public BlockKeeper(LeaseBook leases, BlockStore store) {
        this.leases = leases;
        this.store = store;
    }

    /** What a lease stores here. */
    public record LeaseBlocks(UUID leaseId, long blocks, long bytes) {
    }

    /**
     * Stores a block read from {@code body}.
     *
     * @return true when new (201), false when already stored (204)
     */
    public boolean put(UUID leaseId, String cidText, InputStream body) {
        LeaseView lease = storageLease(leaseId);
        Cid cid = cid(cidText, leaseId);
        byte[] block;
        try {
            block = body.readNBytes(store.maxBlockBytes() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the block", e);
        }
        if (block.length > store.maxBlockBytes()) {
            throw new StorageRejectedException(413, "block-too-large", "Block too large",
                    "blocks are at most " + store.maxBlockBytes() + " bytes; nothing was stored", leaseId);
        }
        return store.put(leaseId, lease.resources().storageGiB() * GIB, cid, block);
    }

    /** The block's verified bytes. */
    public byte[] get(UUID leaseId, String cidText) {
        storageLease(leaseId);
        Cid cid = cid(cidText, leaseId);
        return store.get(leaseId, cid).orElseThrow(() -> notFound(cid, leaseId));
    }

    /** Answers an audit challenge for a stored block. */
    public StorageProof challenge(UUID leaseId, String cidText, String nonceHex) {
        storageLease(leaseId);
        if (cidText == null) {
            throw new StorageRejectedException(400, "invalid-challenge", "Invalid challenge", "a challenge needs {cid, nonce}",
                    leaseId);
        }
        Cid cid = cid(cidText, leaseId);
        byte[] nonce;
        try {
            nonce = nonceHex == null ? null : HexFormat.of().parseHex(nonceHex.startsWith("0x") ? nonceHex.substring(2) : nonceHex);
        } catch (IllegalArgumentException e) {
            nonce = null;
        }
        if (nonce == null || nonce.length != 32) {
            throw new StorageRejectedException(400, "invalid-challenge", "Invalid challenge",
                    "nonce must be 32 bytes in hex (64 hex digits)", leaseId);
        }
        byte[] proof = store.prove(leaseId, cid, nonce).orElseThrow(() -> notFound(cid, leaseId));
        return new StorageProof(cidText, nonceHex, HexFormat.of().formatHex(proof));
    }

    /** How many blocks and bytes the lease stores here. */
    public LeaseBlocks usage(UUID leaseId) {
        storageLease(leaseId);
        BlockStore.Usage usage = store.usage(leaseId);
        return new LeaseBlocks(leaseId, usage.blocks(), usage.bytes());
    }

    /** Deletes every block of the lease. */
    public void deleteAll(UUID leaseId) {
        storageLease(leaseId);
        store.remove(leaseId);
    }

    private LeaseView storageLease(UUID leaseId) {
        return leases.find(leaseId).filter(l -> l.kind() == BidKind.STORAGE)
                .orElseThrow(() -> new StorageRejectedException(404, "lease-not-held", "Lease not held",
                        "this provider holds no active storage lease " + leaseId, leaseId));
    }

    private static Cid cid(String text, UUID leaseId) {
        try {
            return Cid.parse(text);
        } catch (InvalidCidException e) {
            throw new StorageRejectedException(400, "invalid-cid", "Invalid CID", e.getMessage(), leaseId);
        }
    }

    private static StorageRejectedException notFound(Cid cid, UUID leaseId) {
        return new StorageRejectedException(404, "block-not-found", "Block not found",
                "lease " + leaseId + " holds no block " + cid + " here", leaseId);
    }
}
