package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagPb;
import cloud.agora.ipld.UnixFs;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Reads UnixFS files out of their DAG, block by verified block: the whole file or any byte
 * range of it, skipping subtrees outside the range by their {@code blocksizes}. Memory is one
 * block per tree level.
 */
@ApplicationScoped
public class FileReader {

    private static final int MAX_DEPTH = 64;

    private final VerifiedBlocks blocks;

    public FileReader(VerifiedBlocks blocks) {
        this.blocks = blocks;
    }

    /**
     * The size of the file under {@code root}.
     *
     * @throws ContentNotFoundException when the root block is not held
     * @throws NotAFileException        when the root is not a UnixFS file
     */
    public long size(Cid root) {
        byte[] block = blocks.get(root);
        if (root.codec() == Cid.RAW) {
            return block.length;
        }
        UnixFs.Data data = fileData(root, block).data();
        if (data.fileSize() >= 0) {
            return data.fileSize();
        }
        return data.data().length + data.blockSizes().stream().mapToLong(Long::longValue).sum();
    }

    /** Writes bytes [offset, offset + length) of the file under {@code root} to {@code out}. */
    public void copy(Cid root, long offset, long length, OutputStream out) throws IOException {
        if (length > 0) {
            copy(root, offset, length, out, 0);
        }
    }

    private void copy(Cid cid, long offset, long length, OutputStream out, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new CorruptBlockException(cid, "the DAG is deeper than " + MAX_DEPTH + " levels");
        }
        byte[] block = blocks.get(cid);
        if (cid.codec() == Cid.RAW) {
            writeOverlap(block, 0, block.length, offset, length, out);
            return;
        }
        FileNode node = fileData(cid, block);
        byte[] data = node.data().data();
        writeOverlap(data, 0, data.length, offset, length, out);
        List<Long> sizes = node.data().blockSizes();
        if (sizes.size() != node.links().size()) {
            throw new CorruptBlockException(cid, node.links().size() + " links but " + sizes.size() + " blocksizes");
        }
        long position = data.length;
        long end = offset + length;
        for (int i = 0; i < sizes.size() && position < end; i++) {
            long childSize = sizes.get(i);
            long childEnd = position + childSize;
            if (childEnd > offset) {
                long from = Math.max(offset, position);
                long to = Math.min(end, childEnd);
                copy(node.links().get(i).cid(), from - position, to - from, out, depth + 1);
            }
            position = childEnd;
        }
    }

    private static void writeOverlap(byte[] bytes, int start, int count, long offset, long length, OutputStream out)
            throws IOException {
        long from = Math.max(offset, 0);
        long to = Math.min(offset + length, count);
        if (to > from) {
            out.write(bytes, start + (int) from, (int) (to - from));
        }
    }

    private record FileNode(List<DagPb.Link> links, UnixFs.Data data) {
    }

    private static FileNode fileData(Cid cid, byte[] block) {
        DagPb.Node node;
        UnixFs.Data data;
        try {
            node = DagPb.decode(block);
            if (node.data() == null) {
                throw new NotAFileException(cid, "dag-pb node without UnixFS data");
            }
            data = UnixFs.decode(node.data());
        } catch (IllegalArgumentException e) {
            throw new NotAFileException(cid, "block that is not UnixFS (" + e.getMessage() + ")");
        }
        if (data.type() != UnixFs.Type.FILE && data.type() != UnixFs.Type.RAW) {
            throw new NotAFileException(cid, "UnixFS " + data.type().name().toLowerCase().replace('_', '-'));
        }
        return new FileNode(node.links(), data);
    }
}
