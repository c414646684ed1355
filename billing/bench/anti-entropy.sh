#!/usr/bin/env bash
# Anti-entropy (JMH, one thread): one receipt missing at billing among 1,000,000 of a (lease, day) found by descending
# the prefix trees (protocol's ReceiptPrefixTree / ReceiptTreeDescent); prints the digests exchanged and the time of the
# descent, of the descent with billing rebuilding its tree per query, and of building a tree.
# Usage: billing/bench/anti-entropy.sh [JMH options, e.g. -p n=100000]
set -euo pipefail
cd "$(dirname "$0")/../.."
# protocol in the same reactor: the benchmark runs against this tree's protocol classes, not an installed jar
mvn -o -q -B test-compile -pl protocol,billing
mvn -o -q -B -pl billing dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "billing/target/test-classes:billing/target/classes:protocol/target/classes:$(cat billing/target/bench.classpath)" \
  org.openjdk.jmh.Main AntiEntropyBenchmark "$@"
