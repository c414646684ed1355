package cloud.agora.ipld;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The UnixFS {@code Data} message carried in a dag-pb node's Data field:
 * {@code Type = 1 (enum), Data = 2 (bytes), filesize = 3, blocksizes = 4 (repeated, unpacked)},
 * encoded in field order as Kubo does. Fields 5-8 (hashType, fanout, mode, mtime) are
 * skipped on decode; files never need them.
 */
public final class UnixFs {

    /** UnixFS node types. */
    public enum Type {
        RAW, DIRECTORY, FILE, METADATA, SYMLINK, HAMT_SHARD
    }

    /**
     * A decoded UnixFS message.
     *
     * @param type       the node type
     * @param data       the file bytes held in this node (empty when absent)
     * @param fileSize   the file size this node covers, or -1 when absent
     * @param blockSizes the file bytes under each link, in link order
     */
    public record Data(Type type, byte[] data, long fileSize, List<Long> blockSizes) {
    }

    private UnixFs() {
    }

    /**
     * A file node. {@code data} is omitted when empty (as for the empty file), {@code filesize}
     * is always written, {@code blocksizes} once per child.
     */
    public static byte[] file(byte[] data, int dataLength, long fileSize, long[] blockSizes, int blockCount) {
        try {
            int size = CodedOutputStream.computeEnumSize(1, Type.FILE.ordinal());
            if (dataLength > 0) {
                size += CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(dataLength)
                        + dataLength;
            }
            size += CodedOutputStream.computeUInt64Size(3, fileSize);
            for (int i = 0; i < blockCount; i++) {
                size += CodedOutputStream.computeUInt64Size(4, blockSizes[i]);
            }
            byte[] out = new byte[size];
            CodedOutputStream stream = CodedOutputStream.newInstance(out);
            stream.writeEnum(1, Type.FILE.ordinal());
            if (dataLength > 0) {
                stream.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                stream.writeUInt32NoTag(dataLength);
                stream.writeRawBytes(data, 0, dataLength);
            }
            stream.writeUInt64(3, fileSize);
            for (int i = 0; i < blockCount; i++) {
                stream.writeUInt64(4, blockSizes[i]);
            }
            stream.checkNoSpaceLeft();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly sized array", e);
        }
    }

    /**
     * Decodes a UnixFS message.
     *
     * @throws IllegalArgumentException when it is malformed
     */
    public static Data decode(byte[] message) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(message);
            Type type = null;
            byte[] data = new byte[0];
            long fileSize = -1;
            List<Long> blockSizes = new ArrayList<>();
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                switch (tag) {
                    case (1 << 3) | WireFormat.WIRETYPE_VARINT -> {
                        int value = in.readEnum();
                        if (value < 0 || value >= Type.values().length) {
                            throw new IllegalArgumentException("unknown UnixFS type " + value);
                        }
                        type = Type.values()[value];
                    }
                    case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> data = in.readByteArray();
                    case (3 << 3) | WireFormat.WIRETYPE_VARINT -> fileSize = in.readUInt64();
                    case (4 << 3) | WireFormat.WIRETYPE_VARINT -> blockSizes.add(in.readUInt64());
                    case (4 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            blockSizes.add(in.readUInt64());
                        }
                        in.popLimit(limit);
                    }
                    default -> {
                        if (!in.skipField(tag)) {
                            break;
                        }
                    }
                }
            }
            if (type == null) {
                throw new IllegalArgumentException("UnixFS message without Type");
            }
            return new Data(type, data, fileSize, blockSizes);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed UnixFS message: " + e.getMessage(), e);
        }
    }
}
