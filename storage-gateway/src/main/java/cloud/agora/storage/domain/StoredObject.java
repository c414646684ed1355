package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;

/**
 * A file stored as a UnixFS DAG.
 *
 * @param cid  its root CID, as {@code ipfs add} would give it
 * @param size its size in bytes
 */
public record StoredObject(Cid cid, long size) {
}
