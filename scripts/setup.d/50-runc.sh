#!/usr/bin/env bash
# OCI containers for provider-agent: Debian's runc (1.1.x works on this hybrid-cgroup host;
# crun does not) and busybox-static (the minimal shell runtime's root filesystem).
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
