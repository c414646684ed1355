#!/bin/sh
# One command: the agent in exec mode against OpenFaaS's of-watchdog (and the gateway, when a platform runs), same
# script, same client (GatewayBench.java), targets taking turns in rounds. Needs root, runc and busybox (as the agent).
#
# It starts, from this clone, one provider agent alone (the packaged jar, built if missing; its own port, data
# directory, cgroup parent and generated keys; no Kafka, receipts stay in its journal) and a stand-in for the
# marketplace and storage gateway (LeaseStandIn.java: one lease, the bundle of handler.sh and Server.java by its CID; the
# agent target runs handler.sh in exec mode, agent-http Server.java, a JDK HttpServer, in HTTP mode), runs the
# benchmark, and stops both. The peers are not started here: give their URLs.
#
#   BENCH_PEER_STREAMING_URL  of-watchdog, mode=streaming, fprocess="sh handler.sh"  (target watchdog-streaming)
#   BENCH_PEER_HTTP_URL       of-watchdog, mode=http, upstream answering "hello " + body  (target watchdog-http)
#   BENCH_PEER_HTTP_JAVA_URL  of-watchdog, mode=http, upstream this directory's Server.java with the JVM flags of the
#                             agent-http target (target watchdog-http-java; left out unless set)
#   BENCH_GATEWAY_URL         a running platform's functions gateway with function "bench" (target gateway; see
#                             run-on-platform.sh; left out unless set)
#   BENCH_TURN_SECONDS (10), BENCH_ROUNDS (4: every other round runs the targets in reverse order, so keep it even),
#   BENCH_CONCURRENCY (1,8), BENCH_WARMUP (300),
#   BENCH_WARMUP_SECONDS (45: each target's first warm-up lasts at least this long; an agent target's then goes on
#   until the agent's JIT compiler threads are quiet: under 1 % of a core over 5 s),
#   BENCH_REFERENCE (watchdog-streaming: calls/s ratios are against it)
#   BENCH_AGENT_PORT (18090), BENCH_STANDIN_PORT (18091), BENCH_WORK (a new temporary directory),
#   BENCH_RUNTIMES_DIR (/var/tmp/agora-bench-runtimes: the agent's runtimes, kept so that the jvm image is built once)
#   BENCH_AGENT_ENV       extra environment for the agent, e.g. "AGENT_RUNC_WARM_MAX_IDLE=8"
#   BENCH_BUILD=1         rebuild the agent jar first; BENCH_AGENT_JAR: another build's quarkus-run.jar (before/after)
#   BENCH_AGENT_B_JAR     a second agent (another build's quarkus-run.jar) on BENCH_AGENT_PORT + 2, with its own data
#                         directory and cgroup parent: targets agent-b and agent-http-b take turns with the others, so
#                         that two builds are compared in one run (e.g. BENCH_TARGETS=agent-http,agent-http-b);
#                         BENCH_AGENT_B_ENV: its extra environment instead of BENCH_AGENT_ENV (two settings compared)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${BENCH_WORK:-$(mktemp -d /tmp/agent-bench.XXXXXX)}
mkdir -p "$work"
agent_port=${BENCH_AGENT_PORT:-18090}
standin_port=${BENCH_STANDIN_PORT:-18091}
jar="${BENCH_AGENT_JAR:-$root/provider-agent/target/quarkus-app/quarkus-run.jar}"
if [ ! -f "$jar" ] || [ "${BENCH_BUILD:-0}" = 1 ]; then
  (cd "$root" && mvn -B -q -o -pl provider-agent -am package -DskipTests > "$work/build.log")
fi
cp_file="$work/protocol.classpath"
(cd "$root" && mvn -B -q -o dependency:build-classpath -pl protocol -Dmdep.outputFile="$cp_file" > /dev/null)
cp="$root/protocol/target/classes:$(cat "$cp_file")"

for who in provider consumer gateway; do
  [ -f "$work/$who.key" ] || (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$work/$who.key")
done
mkdir -p "$work/fn"
cp "$here/handler.sh" "$here/Server.java" "$work/fn/"
tar -C "$work/fn" -czf "$work/bench.tar.gz" handler.sh Server.java

pids=""
cleanup() {
  for p in $pids; do kill "$p" 2> /dev/null || true; done
}
trap cleanup EXIT INT TERM

rm -f "$work/bench.env"
java -cp "$cp" "$here/LeaseStandIn.java" "$standin_port" "$work/provider.key" "$work/consumer.key" "$work/gateway.key" \
  "$work/bench.tar.gz" "$work/bench.env" > "$work/standin.log" 2>&1 &
pids="$pids $!"
i=0
until [ -s "$work/bench.env" ]; do
  i=$((i + 1)); [ $i -lt 600 ] || { cat "$work/standin.log"; exit 1; }; sleep 0.1
done
. "$work/bench.env"

# start_agent NAME PORT JAR CGROUP_PARENT ENV: one agent in the background, its pid in $work/NAME.pid, returning once
# it built (first time) or checked the jvm image, which it does on a thread of its own at start
start_agent() {
  env QUARKUS_HTTP_PORT="$2" AGENT_KEY_FILE="$work/provider.key" AGENT_DATA_DIR="$work/$1" \
    AGENT_ENDPOINT="http://localhost:$2" AGENT_MARKETPLACE_URL="http://127.0.0.1:$standin_port" \
    AGENT_STORAGE_GATEWAY_URL="http://127.0.0.1:$standin_port" AGENT_GATEWAYS_FUNCTIONS="$BENCH_GATEWAY_ADDRESS" \
    AGENT_GATEWAYS_STORAGE="$BENCH_GATEWAY_ADDRESS" AGENT_JOURNAL_SINK=none AGENT_RUNC_CGROUP_PARENT="$4" \
    AGENT_RUNC_RUNTIMES_DIR="${BENCH_RUNTIMES_DIR:-/var/tmp/agora-bench-runtimes}" $5 \
    java -jar "$3" > "$work/$1.log" 2>&1 &
  pids="$pids $!"
  echo "$!" > "$work/$1.pid"
  i=0
  until grep -qE "jvm runtime image .* reused|built the jvm runtime's image|jvm runtime is not offered" "$work/$1.log"; do
    i=$((i + 1)); [ $i -lt 1800 ] || { tail -20 "$work/$1.log"; exit 1; }; sleep 0.1
  done
}
start_agent agent "$agent_port" "$jar" agora-bench "${BENCH_AGENT_ENV:-}"
agent_pid=$(cat "$work/agent.pid")
agent_b_url=""
agent_b_pid=0
if [ -n "${BENCH_AGENT_B_JAR:-}" ]; then
  start_agent agent-b $((agent_port + 2)) "$BENCH_AGENT_B_JAR" agora-bench-b "${BENCH_AGENT_B_ENV:-${BENCH_AGENT_ENV:-}}"
  agent_b_pid=$(cat "$work/agent-b.pid")
  agent_b_url="http://127.0.0.1:$((agent_port + 2))"
fi

targets=agent,agent-http,watchdog-streaming,watchdog-http
[ -z "${BENCH_PEER_HTTP_JAVA_URL:-}" ] || targets="$targets,watchdog-http-java"
[ -z "${BENCH_GATEWAY_URL:-}" ] || targets="gateway,$targets"
echo "agent pid $agent_pid on port $agent_port (agent-b: pid $agent_b_pid), work $work, load: $(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_AGENT_URL="http://127.0.0.1:$agent_port" BENCH_GATEWAY_KEY_FILE="$work/gateway.key" \
BENCH_LEASE_ID="$BENCH_LEASE_ID" BENCH_BUNDLE_CID="$BENCH_BUNDLE_CID" BENCH_PROVIDER="$BENCH_PROVIDER" \
BENCH_CONSUMER="$BENCH_CONSUMER" BENCH_TARGETS="${BENCH_TARGETS:-$targets}" BENCH_TURN_SECONDS="${BENCH_TURN_SECONDS:-10}" \
BENCH_ROUNDS="${BENCH_ROUNDS:-4}" BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1,8}" BENCH_WARMUP="${BENCH_WARMUP:-300}" \
BENCH_WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-45}" BENCH_JIT_QUIET_PID="$agent_pid" \
BENCH_AGENT_B_URL="$agent_b_url" BENCH_JIT_QUIET_PID_B="$agent_b_pid" \
  java -cp "$cp" "$here/GatewayBench.java"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); receipts journaled: $(cat "$work"/agent*/journal/segment-*.jsonl | tr -d '\000' | wc -l)"
