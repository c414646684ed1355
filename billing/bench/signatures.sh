#!/usr/bin/env bash
# Receipt signatures alone (JMH, one thread): web3j's recovery vs billing's SignerKeys (recovery, and
# verification against a kept key), and signing; …PureJava: the same on BouncyCastle's curve. Prints ops/s. Usage: billing/bench/signatures.sh [JMH options, e.g. -wi 3 -i 5]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -o -q -B test-compile -pl billing
mvn -o -q -B -pl billing dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "billing/target/test-classes:billing/target/classes:$(cat billing/target/bench.classpath)" \
  org.openjdk.jmh.Main SignatureBenchmark "$@"
