#!/usr/bin/env bash
# How long the receipt journal takes to open after a long history (JournalReopenHarness): writes N receipts
# (default 10,000,000: about 11 GiB and 5–10 minutes) into DIR, then opens it five times, each in a new JVM (as an
# agent that restarts). Usage: provider-agent/bench/journal-reopen.sh [N] [DIR]
# provider-agent/bench/journal-reopen.sh unshipped [N] [DIR]: appends N receipts (default 400,000) never shipped and
# prints what a seal costs as they pile up (billing unreachable).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=reopen
if [ "${1:-}" = unshipped ]; then mode=unshipped; shift; fi
n="${1:-10000000}"
dir="${2:-/var/tmp/agora-journal-bench}"
mvn -o -q -B test-compile -pl provider-agent
mvn -o -q -B -pl provider-agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="provider-agent/target/test-classes:provider-agent/target/classes:$(cat provider-agent/target/bench.classpath)"
if [ "$mode" = unshipped ]; then
  java -Xmx4g -cp "$cp" cloud.agora.agent.journal.JournalReopenHarness unshipped "${1:-400000}" "$dir"
  rm -rf "$dir"
  exit 0
fi
java -Xmx2g -cp "$cp" cloud.agora.agent.journal.JournalReopenHarness write "$n" "$dir"
for i in 1 2 3 4 5; do
  java -Xmx2g -cp "$cp" cloud.agora.agent.journal.JournalReopenHarness open "$dir"
done
rm -rf "$dir"
