#!/usr/bin/env bash
# Node.js tooling in tools/: solc + OpenZeppelin (contract compile check), Anvil (the local
# Ethereum node for tests and the local platform) and ethers.js (cross-implementation test).
# Idempotent: installs nodejs/npm from Debian only if missing, and runs `npm ci` only when
# node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi

stamp=tools/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ tools/package-lock.json -nt "$stamp" ] \
   || [ ! -x tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ]; then
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
