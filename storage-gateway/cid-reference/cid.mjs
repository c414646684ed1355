// Prints, for each file named on the command line, the CID that `ipfs add --cid-version=1`
// gives it (raw leaves, 256 KiB fixed chunks, balanced DAG of 174 links per node), as
// "<cid> <file>" lines. CID_VERSION, RAW_LEAVES, CHUNK_SIZE and MAX_LINKS in the environment
// change the layout (CID_VERSION=0 RAW_LEAVES=false is what plain `ipfs add` gives). It uses npm's ipfs-unixfs-importer, an implementation independent
// of storage-gateway's Java code, so the tests compare two implementations.
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { createReadStream } from 'node:fs'

// The importer only writes blocks; the CIDs are all we need, so nothing is kept.
const blockstore = { put: async (cid) => cid, has: async () => false }

for (const file of process.argv.slice(2)) {
  const entries = importer([{ content: createReadStream(file) }], blockstore, {
    cidVersion: Number(process.env.CID_VERSION ?? 1),
    rawLeaves: (process.env.RAW_LEAVES ?? 'true') === 'true',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: Number(process.env.CHUNK_SIZE ?? 262144) }),
    layout: balanced({ maxChildrenPerNode: Number(process.env.MAX_LINKS ?? 174) })
  })
  for await (const entry of entries) {
    console.log(`${entry.cid.toString()} ${file}`)
  }
}
