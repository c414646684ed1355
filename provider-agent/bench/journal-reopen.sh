#!/usr/bin/env bash
# How long the receipt journal takes to open after a long history (JournalReopenHarness): writes N receipts
# (default 10,000,000: about 12 GiB and 3 minutes) into DIR, then opens it five times.
# Usage: provider-agent/bench/journal-reopen.sh [N] [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000000}"
dir="${2:-/var/tmp/agora-journal-bench}"
mvn -o -q -B test-compile -pl provider-agent
mvn -o -q -B -pl provider-agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
java -Xmx2g -cp "provider-agent/target/test-classes:provider-agent/target/classes:$(cat provider-agent/target/bench.classpath)" \
  cloud.agora.agent.journal.JournalReopenHarness "$n" "$dir"
rm -rf "$dir"
