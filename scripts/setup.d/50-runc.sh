#!/usr/bin/env bash
# OCI containers for provider-agent: Debian's runc (1.1.x works on this hybrid-cgroup host;
# crun does not), busybox-static (the minimal shell runtime's root filesystem) and a C compiler with the static C
# library (the isolation tests build a static probe binary that tries to escape a function container).
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
