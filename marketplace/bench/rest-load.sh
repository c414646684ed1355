#!/usr/bin/env bash
# Load run of the REST path (bid in -> lease out) against a real marketplace with PostgreSQL and Kafka,
# started by the launcher in a throw-away state folder. Prints latency percentiles and throughput.
# Usage: marketplace/bench/rest-load.sh [bids=2000] [concurrency=8] [providers=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
STATE=$(mktemp -d /tmp/agora-load.XXXXXX)
mvn -q -B install -DskipTests -pl protocol,test-support,service-support,marketplace,kafka-broker,launcher >/dev/null
mvn -q -B test-compile -pl marketplace
mvn -q -B -pl marketplace dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
java -jar launcher/target/launcher.jar up --root . --state "$STATE" > "$STATE/launcher.out" 2>&1 &
LAUNCHER=$!
trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null; rm -rf "$STATE"' EXIT
until grep -q "Agora is running" "$STATE/launcher.out"; do
  kill -0 $LAUNCHER 2>/dev/null || { cat "$STATE/launcher.out"; exit 1; }
  sleep 1
done
java -cp "marketplace/target/test-classes:marketplace/target/classes:$(cat marketplace/target/bench.classpath)" \
  cloud.agora.marketplace.bench.MarketLoad http://localhost:8081 "${1:-2000}" "${2:-8}" "${3:-20}"
