#!/usr/bin/env bash
# What `./agora cli fn build` makes function images from (templates/README.md): Debian's Python 3.11 with its standard
# library (python3.11 = python3.11-minimal + libpython3.11-stdlib; the minimal package alone lacks http.server),
# found at /usr/bin/python3.11 whatever a pyenv or venv puts first on the PATH; and ldd (libc-bin), which lists the
# libraries a runtime loads. Node.js comes from 30-node-tools.sh, the JDK and Maven from 10-java-maven.sh.
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
[ -x /usr/bin/python3.11 ] || need+=(python3.11-minimal)
[ -f /usr/lib/python3.11/http/server.py ] || need+=(libpython3.11-stdlib)
command -v ldd >/dev/null 2>&1 || need+=(libc-bin)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
