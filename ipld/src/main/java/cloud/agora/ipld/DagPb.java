package cloud.agora.ipld;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The dag-pb codec: {@code PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }} and
 * {@code PBLink { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }}, hand-written over
 * protobuf-java's coded streams. Encoding is canonical as the dag-pb spec requires: links
 * before data, link fields in field order. Links are written with an empty {@code Name} and a
 * {@code Tsize}, as both Kubo and the JavaScript importer do for file chunks.
 */
public final class DagPb {

    private DagPb() {
    }

    /**
     * A link to a child block.
     *
     * @param cid   the child
     * @param name  the link name ("" for file chunks)
     * @param tsize the cumulative size of the child's serialized DAG
     */
    public record Link(Cid cid, String name, long tsize) {
    }

    /**
     * A decoded dag-pb node.
     *
     * @param links the links in order
     * @param data  the Data field (a UnixFS message for UnixFS nodes), or null when absent
     */
    public record Node(List<Link> links, byte[] data) {
    }

    /** Encodes a node with the given links and (nullable) data. */
    public static byte[] encode(List<Link> links, byte[] data) {
        try {
            int size = 0;
            int[] linkSizes = new int[links.size()];
            for (int i = 0; i < links.size(); i++) {
                linkSizes[i] = linkSize(links.get(i));
                size += CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(linkSizes[i])
                        + linkSizes[i];
            }
            if (data != null) {
                size += CodedOutputStream.computeByteArraySize(1, data);
            }
            byte[] out = new byte[size];
            CodedOutputStream stream = CodedOutputStream.newInstance(out);
            for (int i = 0; i < links.size(); i++) {
                Link link = links.get(i);
                stream.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                stream.writeUInt32NoTag(linkSizes[i]);
                stream.writeByteArray(1, link.cid().bytes());
                stream.writeString(2, link.name());
                stream.writeUInt64(3, link.tsize());
            }
            if (data != null) {
                stream.writeByteArray(1, data);
            }
            stream.checkNoSpaceLeft();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly sized array", e);
        }
    }

    private static int linkSize(Link link) {
        return CodedOutputStream.computeByteArraySize(1, link.cid().bytes())
                + CodedOutputStream.computeStringSize(2, link.name())
                + CodedOutputStream.computeUInt64Size(3, link.tsize());
    }

    /**
     * Decodes a dag-pb block.
     *
     * @throws IllegalArgumentException when the block is not a well-formed dag-pb node
     */
    public static Node decode(byte[] block) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(block);
            List<Link> links = new ArrayList<>();
            byte[] data = null;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    return new Node(links, data);
                }
                switch (tag) {
                    case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                        int limit = in.pushLimit(in.readRawVarint32());
                        links.add(decodeLink(in));
                        in.popLimit(limit);
                    }
                    case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> data = in.readByteArray();
                    default -> throw new IllegalArgumentException("unexpected dag-pb field tag " + tag);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed dag-pb block: " + e.getMessage(), e);
        }
    }

    private static Link decodeLink(CodedInputStream in) throws IOException {
        Cid cid = null;
        String name = "";
        long tsize = 0;
        while (true) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> {
                    if (cid == null) {
                        throw new IllegalArgumentException("dag-pb link without Hash");
                    }
                    return new Link(cid, name, tsize);
                }
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    ByteString hash = in.readBytes();
                    cid = Cid.fromBytes(hash.toByteArray());
                }
                case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readStringRequireUtf8();
                case (3 << 3) | WireFormat.WIRETYPE_VARINT -> tsize = in.readUInt64();
                default -> throw new IllegalArgumentException("unexpected dag-pb link field tag " + tag);
            }
        }
    }
}
