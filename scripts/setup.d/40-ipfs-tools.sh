#!/usr/bin/env bash
# Independent IPFS CID implementations for storage-gateway's compatibility tests:
#   - Debian's ipfs-cid (`ipfs_cid FILE`): what `ipfs add` gives by default (CIDv0);
#   - npm's ipfs-unixfs-importer in storage-gateway/cid-reference: what
#     `ipfs add --cid-version=1` gives (CIDv1, raw leaves).
# Idempotent: installs Debian packages only if missing, and runs `npm ci` only when
# node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v ipfs_cid >/dev/null 2>&1 || need+=(ipfs-cid)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

ref=storage-gateway/cid-reference
stamp=$ref/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ $ref/package-lock.json -nt "$stamp" ]; then
  (cd $ref && npm ci --no-audit --no-fund --loglevel=error)
fi
