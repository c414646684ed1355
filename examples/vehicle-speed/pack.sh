#!/bin/sh
# Packs the function's bundle: a tar.gz with handler.sh at its root, byte-for-byte reproducible
# (sorted names, fixed owner and time, gzip without a timestamp), so the same sources always give
# the same bundle CID. Prints the bundle's path.
#   examples/vehicle-speed/pack.sh [OUT]   (default: examples/vehicle-speed/build/vehicle-speed.tar.gz)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build/vehicle-speed.tar.gz}
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode='u=rwx,go=rx' \
    -C "$here" -cf - handler.sh | gzip -n -9 > "$out"
echo "$out"
