#!/bin/sh
# Signing cost of the gateway's witness per recording transaction: a counter-signature per receipt vs one WitnessBatch.
# Settings (environment): BENCH_SIZES (1,8,64,500), BENCH_ROUNDS (200), BENCH_WARMUP (300). Needs no running platform.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
(cd "$root" && mvn -B -q -o dependency:build-classpath -pl protocol -Dmdep.outputFile="$cp_file" > /dev/null)
java -cp "$root/protocol/target/classes:$(cat "$cp_file")" "$here/WitnessBench.java"
