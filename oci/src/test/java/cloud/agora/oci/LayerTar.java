package cloud.agora.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** One image layer as an uncompressed tar, built entry by entry (any entry, including the ones images must not hold). */
public final class LayerTar {

    private record Item(TarArchiveEntry entry, byte[] content) {
    }

    private final List<Item> items = new ArrayList<>();

    public LayerTar dir(String name) {
        return dir(name, 0755);
    }

    public LayerTar dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        e.setMode(mode);
        return entry(e, new byte[0]);
    }

    public LayerTar file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public LayerTar file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setMode(mode);
        e.setSize(content.length);
        return entry(e, content);
    }

    /** A file owned by a non-root user of the image. */
    public LayerTar ownedFile(String name, String content, int mode, int uid) {
        file(name, content.getBytes(StandardCharsets.UTF_8), mode);
        items.get(items.size() - 1).entry().setUserId(uid);
        items.get(items.size() - 1).entry().setGroupId(uid);
        return this;
    }

    public LayerTar symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        return entry(e, new byte[0]);
    }

    public LayerTar hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return entry(e, new byte[0]);
    }

    public LayerTar charDevice(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        e.setDevMajor(1);
        e.setDevMinor(3);
        return entry(e, new byte[0]);
    }

    public LayerTar blockDevice(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_BLK, true);
        e.setDevMajor(8);
        return entry(e, new byte[0]);
    }

    public LayerTar fifo(String name) {
        return entry(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), new byte[0]);
    }

    /** {@code .wh.<name>} in {@code dir} ({@code ""} = the root). */
    public LayerTar whiteout(String dir, String name) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, "");
    }

    /** {@code .wh..wh..opq} in {@code dir}. */
    public LayerTar opaque(String dir) {
        return file(dir + "/.wh..wh..opq", "");
    }

    public LayerTar entry(TarArchiveEntry entry, byte[] content) {
        entry.setModTime(new Date(1_700_000_000_000L));
        items.add(new Item(entry, content));
        return this;
    }

    /** The uncompressed tar stream (the layer's diff_id is its SHA-256). */
    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Item item : items) {
                tar.putArchiveEntry(item.entry());
                tar.write(item.content());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
