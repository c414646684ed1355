#!/usr/bin/env bash
# Uploads and downloads one object through the packaged gateway in its own JVM with a fixed
# heap; prints throughput and the server's peak RSS. Usage (from the repository root):
#   storage-gateway/bench/run.sh [size MiB, default 1024] [server heap, default 128m] [fsync, default true]
set -euo pipefail
cd "$(dirname "$0")/../.."
# BENCH_NO_PACKAGE=1 reuses target/quarkus-app as built (e.g. while another process runs from it)
[ "${BENCH_NO_PACKAGE:-0}" = 1 ] || mvn -o -q -pl storage-gateway package -DskipTests
cd storage-gateway
cp=$(mvn -o -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -cp "target/test-classes:target/classes:$cp" cloud.agora.storage.bench.ObjectBenchmark "$@"
