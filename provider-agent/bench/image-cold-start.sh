#!/usr/bin/env bash
# Cold starts of HTTP-mode functions in their own images (ImageColdStartBenchmark): builds each template's image with
# the CLI exactly as a developer does (`fn init`, `fn build`), then times, interleaved, a first call to a new lease
# (container, server start, first answer) and a second call to the same container, with each template's own limits
# (function.json's memoryMiB and cpuMillis). Needs root and runc, as the agent.
# Usage: provider-agent/bench/image-cold-start.sh [ROUNDS (20)] [LANGUAGES ("java quarkus node python")]
# BENCH_WORK keeps the built images between runs (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-20}"
langs="${2:-java quarkus node python}"
work="${BENCH_WORK:-$(mktemp -d /tmp/image-cold-start.XXXXXX)}"
images=""
for lang in $langs; do
  fn="$work/$lang"
  if [ ! -f "$fn/target/image.tar" ]; then
    [ -d "$fn" ] || ./agora cli fn init "$lang" "hello-$lang" --dir "$fn" > /dev/null
    ./agora cli fn build "$fn" --offline > /dev/null
  fi
  mem=$(sed -n 's/.*"memoryMiB" *: *\([0-9]*\).*/\1/p' "$fn/function.json")
  cpu=$(sed -n 's/.*"cpuMillis" *: *\([0-9]*\).*/\1/p' "$fn/function.json")
  images="$images${images:+,}$lang=$fn/target/image.tar=$mem=$cpu"
done
# BENCH_VARIANTS: more entries "name=language=JVM options" (options separated by commas), the language's image again
# under JAVA_TOOL_OPTIONS, e.g. "quarkus-c1=quarkus=-XX:TieredStopAtLevel=1 java-c1=java=-XX:TieredStopAtLevel=1,-Xss512k"
variants=()
for v in ${BENCH_VARIANTS:-}; do
  name=${v%%=*}; rest=${v#*=}; lang=${rest%%=*}; opts=${rest#*=}
  entry=$(echo "$images" | tr ',' '\n' | grep -e "^$lang=" || true)
  [ -n "$entry" ] || { echo "variant $name: language $lang is not among: $langs" >&2; exit 2; }
  images="$images,$name=${entry#*=}"
  variants+=("-Dbench.javaOptions.$name=${opts//,/ }")
done
mvn -o -q -B -pl provider-agent verify -Dtest=ImageColdStartBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.n="$n" -Dbench.images="$images" "${variants[@]}"
cat provider-agent/target/image-cold-start.txt
echo "images in $work"
