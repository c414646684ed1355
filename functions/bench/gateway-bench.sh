#!/bin/sh
# Warm invocation latency/throughput: gateway vs agent direct vs the script alone.
# Needs a running platform with the function deployed and ACTIVE (e.g. `./agora run`, then
# publish and deploy functions/bench/handler.sh as function "bench"). Settings (environment):
#   BENCH_GATEWAY_URL   functions base URL            (default http://localhost:8080)
#   BENCH_FUNCTION      deployed function name         (default bench)
#   BENCH_AGENT_URL     the agent holding its lease    (default http://localhost:8090)
#   BENCH_LEASE_ID      the deployment's lease on that agent (GET /api/v1/functions/bench/deployments → placed[0].leaseId;
#                       agent target skipped without it)
#   BENCH_PROVIDER      that lease's provider (placed[0].provider)
#   BENCH_CONSUMER      the function's owner (GET /api/v1/functions/bench → owner), the lease's owner
#   BENCH_GATEWAY_KEY_FILE  the functions gateway's key file (the agent runs only calls with a grant it signed;
#                       ./agora run: state/keys/gateway.key)
#   BENCH_BUNDLE_CID    the version's bundleCid
#   BENCH_SCRIPT        path of the handler script to run with /bin/sh (default: bench/handler.sh)
#   BENCH_REQUESTS (2000), BENCH_WARMUP (200), BENCH_CONCURRENCY (1,8,32), BENCH_TARGETS (gateway,agent,script),
#   BENCH_ROUNDS (10: each target's calls run in that many rounds, the targets in turn, so drift falls on all alike)
#   BENCH_PAIRS (0): after the table, that many pairs of calls (gateway, agent) back to back, one at a time: the median
#                of the pairs' differences is what the gateway adds (line "PAIRED ...")
#   BENCH_PAIR_GAP_MS (0): pause after each pair; BENCH_PAIR_PERIOD_MS (0): start a pair every that many ms instead, so
#                that the platform's work after each call (recording, Kafka, billing) runs at the same rate whatever
#                the build's latency
# Note: the gateway's per-caller rate limit (agora.functions.rate-limit-per-second, default 100/s,
# burst 200) must be raised for the gateway target, e.g. AGORA_FUNCTIONS_RATE_LIMIT_PER_SECOND=100000
# AGORA_FUNCTIONS_RATE_LIMIT_BURST=100000 on the functions service while benchmarking.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_SCRIPT="${BENCH_SCRIPT:-$here/handler.sh}"
# the agent target signs grants with protocol's types: the protocol module and its dependencies on the class path
root=$(cd "$here/../.." && pwd)
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
(cd "$root" && mvn -B -q -o dependency:build-classpath -pl protocol -Dmdep.outputFile="$cp_file" > /dev/null)
java -cp "$root/protocol/target/classes:$(cat "$cp_file")" "$here/GatewayBench.java"
