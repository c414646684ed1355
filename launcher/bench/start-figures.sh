#!/usr/bin/env bash
# How long the one-machine platform (./agora run) takes to be ready and how much memory it holds once ready.
#   launcher/bench/start-figures.sh [runs]     (from the repository root, after a build: ./agora run builds)
# Each run starts the platform twice on a fresh state folder: "first" (database migrations, Kafka's storage format,
# the contracts deployed on Anvil, the runtimes' root filesystems) and "again" (the same state, a restart). It
# reports seconds from the launcher's start to "Agora is running", and the resident memory of every process of the
# platform once settled (15 s after ready): RSS summed (counts shared pages once per process), PSS (shares them out:
# summed, each page counts once) and how much more memory the machine has in use than before the start.
# The ports are ./agora run's: nothing else may be running on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1}
[ -f launcher/target/launcher.jar ] || { echo "build first (./agora run builds)" >&2; exit 1; }

descendants() {
  local pid
  for pid in "$@"; do
    echo "$pid"
    descendants $(ps -o pid= --ppid "$pid" || true)
  done
}

memory() { # state folder, launcher pid -> "processes rss_mib pss_mib"
  local state=$1 launcher=$2 pids postmaster
  postmaster=$(head -1 "$state/postgres/postmaster.pid" 2>/dev/null || true)
  pids=$(descendants "$launcher" $postmaster | sort -u)
  local n=0 rss=0 pss=0 kib
  for p in $pids; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    n=$((n + 1))
    kib=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup"); rss=$((rss + ${kib:-0}))
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"); pss=$((pss + ${kib:-0}))
  done
  echo "$n $((rss / 1024)) $((pss / 1024))"
}

parts() { # state folder, launcher pid -> each part's PSS in MiB (PostgreSQL's processes together; "other": the rest)
  local state=$1 f pid line="" kib named="" pg=0 other=0 postmaster
  pid=$(cat "$state/launcher.pid")
  kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
  line=" launcher=$((kib / 1024))"
  named="$pid"
  for f in "$state"/pids/*.pid; do
    pid=$(cat "$f")
    named="$named $pid"
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    line="$line $(basename "$f" .pid)=$((kib / 1024))"
  done
  postmaster=$(head -1 "$state/postgres/postmaster.pid")
  for pid in $(descendants "$postmaster"); do
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0); pg=$((pg + kib))
    named="$named $pid"
  done
  for pid in $(descendants "$2"); do
    case " $named " in *" $pid "*) continue ;; esac
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0); other=$((other + kib))
  done
  echo "  PSS MiB:$line postgres=$((pg / 1024)) other=$((other / 1024))"
}

used() { # the machine's memory in use (MiB): what the kernel could not hand out without taking it from someone
  awk '/^MemTotal:/ {t = $2} /^MemAvailable:/ {a = $2} END {print int((t - a) / 1024)}' /proc/meminfo
}

start_once() { # state folder, label
  local state=$1 label=$2 log=$1.$2.log start pid ready before
  before=$(used)
  start=$(date +%s.%N)
  setsid ./agora run --state "$state" > "$log" 2>&1 &
  pid=$!
  until grep -q "Agora is running" "$log"; do
    kill -0 "$pid" 2>/dev/null || { echo "the platform did not start; see $log" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.1
  done
  ready=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 15 # what it holds once settled, not mid-start
  printf '%-6s ready in %5.1f s   processes, RSS MiB, PSS MiB: %s   machine: +%s MiB in use\n' "$label" "$ready" \
    "$(memory "$state" "$pid")" "$(($(used) - before))"
  parts "$state" "$pid"
  grep -E "is healthy|listening|ready in|contracts:" "$log" | sed 's/^/    /' || true
  ./agora stop --state "$state" > /dev/null 2>&1 || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
}

for i in $(seq "$RUNS"); do
  state=$(mktemp -d /tmp/agora-start.XXXXXX)
  start_once "$state" first
  start_once "$state" again
  rm -rf "$state" "$state".*.log
done
