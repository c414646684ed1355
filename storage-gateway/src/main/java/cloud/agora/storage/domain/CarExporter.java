package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagPb;
import cloud.agora.ipld.Varint;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a DAG as a CAR v1 archive (the trustless gateway's {@code application/vnd.ipld.car}):
 * a DAG-CBOR header {@code {roots: [root], version: 1}}, then each block once as
 * {@code varint(len) cid block}, depth-first in link order (what Kubo calls
 * {@code order=dfs, dups=n}), so a client can verify each block as it arrives.
 */
@ApplicationScoped
public class CarExporter {

    private static final int MAX_DEPTH = 64;

    private final VerifiedBlocks blocks;

    public CarExporter(VerifiedBlocks blocks) {
        this.blocks = blocks;
    }

    /**
     * Writes the CAR of the DAG under {@code root}. Only its first block is read before the
     * header goes out, so a missing root still gives a clean 404.
     */
    public void export(Cid root, OutputStream out) throws IOException {
        byte[] rootBlock = blocks.get(root);
        out.write(header(root));
        write(root, rootBlock, out, new HashSet<>(), 0);
    }

    /** The header: varint length, then DAG-CBOR map with keys in canonical order (roots, version). */
    static byte[] header(Cid root) {
        byte[] cid = root.bytes();
        ByteArrayOutputStream cbor = new ByteArrayOutputStream();
        cbor.write(0xA2); // map of 2
        cbor.write(0x65); // text(5)
        cbor.writeBytes("roots".getBytes(StandardCharsets.US_ASCII));
        cbor.write(0x81); // array of 1
        cbor.write(0xD8); // tag(42): CID
        cbor.write(42);
        cbor.write(0x58); // bytes, 1-byte length
        cbor.write(cid.length + 1);
        cbor.write(0x00); // multibase identity prefix, as DAG-CBOR requires
        cbor.write(cid, 0, cid.length);
        cbor.write(0x67); // text(7)
        cbor.writeBytes("version".getBytes(StandardCharsets.US_ASCII));
        cbor.write(0x01);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Varint.write(cbor.size(), out);
        byte[] body = cbor.toByteArray();
        out.write(body, 0, body.length);
        return out.toByteArray();
    }

    private void write(Cid cid, byte[] block, OutputStream out, Set<Cid> seen, int depth) throws IOException {
        if (!seen.add(cid)) {
            return;
        }
        if (depth > MAX_DEPTH) {
            throw new CorruptBlockException(cid, "the DAG is deeper than " + MAX_DEPTH + " levels");
        }
        byte[] cidBytes = cid.bytes();
        ByteArrayOutputStream prefix = new ByteArrayOutputStream(48);
        Varint.write((long) cidBytes.length + block.length, prefix);
        prefix.writeBytes(cidBytes);
        prefix.writeTo(out);
        out.write(block);
        if (cid.codec() == Cid.DAG_PB) {
            DagPb.Node node;
            try {
                node = DagPb.decode(block);
            } catch (IllegalArgumentException e) {
                throw new CorruptBlockException(cid, "not a dag-pb node: " + e.getMessage());
            }
            for (DagPb.Link link : node.links()) {
                if (!seen.contains(link.cid())) {
                    write(link.cid(), blocks.get(link.cid()), out, seen, depth + 1);
                }
            }
        }
    }
}
