#!/usr/bin/env bash
# How long one CLI call takes, from the shell to its answer (the JVM's start is most of it).
#   cli/bench/start-figures.sh [runs]     (from the repository root, after a build)
# Interleaves, run by run, three calls that need no platform: `--help` (picocli only), `keygen` (a random
# secp256k1 key written to a file) and `address --key` (reads a key, derives its address), each through ./agora cli
# as a user runs it, and once more with the JVM's default collector and compilers. Prints the median and the slowest
# wall time of each, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10}
[ -f cli/target/agora-cli.jar ] || { echo "build first (mvn install -DskipTests -pl cli -am)" >&2; exit 1; }
dir=$(mktemp -d)
./agora cli keygen --out "$dir/key" > /dev/null
declare -A times
for i in $(seq "$RUNS"); do
  for how in agora default; do
    for call in "--help" "keygen --out $dir/new" "address --key $dir/key"; do
      rm -f "$dir/new"
      start=$(date +%s%N)
      if [ "$how" = agora ]; then ./agora cli $call > /dev/null; else java -jar cli/target/agora-cli.jar $call > /dev/null; fi
      times["$how ${call%% *}"]+="$(( ($(date +%s%N) - start) / 1000000 )) "
    done
  done
done
for k in "${!times[@]}"; do
  sorted=$(tr ' ' '\n' <<< "${times[$k]}" | grep . | sort -n)
  printf '%-8s %-8s median %5d ms, slowest %5d ms\n' "${k%% *}" "${k#* }" \
    "$(sed -n "$(( (RUNS + 1) / 2 ))p" <<< "$sorted")" "$(tail -1 <<< "$sorted")"
done | sort
rm -rf "$dir"
