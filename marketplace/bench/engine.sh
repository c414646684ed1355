#!/usr/bin/env bash
# The matching engine alone (JMH, one thread, 10,000 resting orders). Prints ops/s.
# Usage: marketplace/bench/engine.sh [extra JMH options, e.g. -wi 5 -i 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -B install -DskipTests -pl protocol,service-support,test-support >/dev/null
mvn -q -B test-compile -pl marketplace
mvn -q -B -pl marketplace dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "marketplace/target/test-classes:marketplace/target/classes:$(cat marketplace/target/bench.classpath)" \
  org.openjdk.jmh.Main OrderBookBenchmark "$@"
