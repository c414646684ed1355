package cloud.agora.ipld;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a byte stream into a UnixFS file DAG exactly as Kubo's {@code ipfs add} does, in
 * constant memory: one chunk buffer and at most {@code maxLinks} pending links per tree level.
 *
 * <p>Balanced layout: chunks are grouped {@code maxLinks} at a time under dag-pb nodes, those
 * nodes again, and so on until one root remains. A file of one chunk is that chunk (a raw block,
 * or a UnixFS file node holding the data); the empty file is one empty chunk. Nodes are emitted
 * bottom-up as soon as they are complete, so children always reach the sink before parents.
 */
public final class FileImporter {

    /** Where the importer puts each block it makes, children before parents. */
    @FunctionalInterface
    public interface BlockSink {
        /** Stores {@code block[0, length)} under {@code cid}. The array is reused after the call. */
        void put(Cid cid, byte[] block, int length) throws IOException;
    }

    /**
     * The result of an import.
     *
     * @param root    the file's CID
     * @param size    the file's size in bytes
     * @param dagSize the serialized size of the whole DAG (the root link's Tsize)
     */
    public record Imported(Cid root, long size, long dagSize) {
    }

    private record Entry(Cid cid, long tsize, long fileSize) {
    }

    private final DagLayout layout;
    private final BlockSink sink;
    private final List<List<Entry>> levels = new ArrayList<>();
    private final long[] blockSizes;

    private FileImporter(DagLayout layout, BlockSink sink) {
        this.layout = layout;
        this.sink = sink;
        this.blockSizes = new long[layout.maxLinks()];
    }

    /** Reads {@code content} to its end and stores its DAG through {@code sink}. */
    public static Imported importFile(InputStream content, DagLayout layout, BlockSink sink) throws IOException {
        return new FileImporter(layout, sink).run(content);
    }

    private Imported run(InputStream content) throws IOException {
        byte[] chunk = new byte[layout.chunkSize()];
        long size = 0;
        boolean first = true;
        while (true) {
            int n = content.readNBytes(chunk, 0, chunk.length);
            if (n == 0 && !first) {
                break;
            }
            first = false;
            size += n;
            add(0, leaf(chunk, n));
            if (n < chunk.length) {
                break;
            }
        }
        Entry root = finish();
        return new Imported(root.cid(), size, root.tsize());
    }

    private Entry leaf(byte[] chunk, int length) throws IOException {
        if (layout.rawLeaves()) {
            Cid cid = Cid.of(1, Cid.RAW, chunk, length);
            sink.put(cid, chunk, length);
            return new Entry(cid, length, length);
        }
        byte[] block = DagPb.encode(List.of(), UnixFs.file(chunk, length, length, blockSizes, 0));
        Cid cid = Cid.of(layout.cidVersion(), Cid.DAG_PB, block);
        sink.put(cid, block, block.length);
        return new Entry(cid, block.length, length);
    }

    private void add(int level, Entry entry) throws IOException {
        if (levels.size() == level) {
            levels.add(new ArrayList<>(layout.maxLinks()));
        }
        List<Entry> pending = levels.get(level);
        pending.add(entry);
        if (pending.size() == layout.maxLinks()) {
            Entry node = node(pending);
            pending.clear();
            add(level + 1, node);
        }
    }

    /** Closes the partly filled nodes bottom-up; a level alone at the top with one entry is the root. */
    private Entry finish() throws IOException {
        for (int level = 0; ; level++) {
            List<Entry> pending = levels.get(level);
            boolean top = level == levels.size() - 1;
            if (top) {
                return pending.size() == 1 ? pending.get(0) : node(pending);
            }
            if (!pending.isEmpty()) {
                Entry node = node(pending);
                pending.clear();
                levels.get(level + 1).add(node);
            }
        }
    }

    private Entry node(List<Entry> children) throws IOException {
        List<DagPb.Link> links = new ArrayList<>(children.size());
        long fileSize = 0;
        long tsize = 0;
        for (int i = 0; i < children.size(); i++) {
            Entry child = children.get(i);
            links.add(new DagPb.Link(child.cid(), "", child.tsize()));
            blockSizes[i] = child.fileSize();
            fileSize += child.fileSize();
            tsize += child.tsize();
        }
        byte[] block = DagPb.encode(links, UnixFs.file(null, 0, fileSize, blockSizes, children.size()));
        Cid cid = Cid.of(layout.cidVersion(), Cid.DAG_PB, block);
        sink.put(cid, block, block.length);
        return new Entry(cid, tsize + block.length, fileSize);
    }
}
