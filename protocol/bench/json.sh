#!/usr/bin/env bash
# The JSON of one agent call (JMH, one thread): the call read, the reply and the receipt's journal line written, with
# the platform's Jackson (reflection) against Jackson's Blackbird module (generated accessors). Prints ns/op. Usage: protocol/bench/json.sh [JMH options]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -o -q -B install -pl protocol -DskipTests
mvn -o -q -B test-compile -pl protocol
mvn -o -q -B -pl protocol dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "protocol/target/test-classes:protocol/target/classes:$(cat protocol/target/bench.classpath)" \
  org.openjdk.jmh.Main JsonBenchmark "$@"
