#!/usr/bin/env bash
# The Prometheus e2e test (e2e/prometheus.spec.ts) runs Debian's prometheus as its own process. Install it when
# missing, as scripts/ensure-chromium.sh does for the browser. The package's own daemon is not wanted: the
# test starts prometheus on a free port with its own config and data directory.
set -euo pipefail
if command -v prometheus >/dev/null || [ -x /usr/bin/prometheus ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's prometheus for the metrics test..."
  # policy-rc.d exit 101 tells Debian's maintainer scripts not to start the service during the install.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # Should a service manager have started the packaged daemon anyway, stop it: nothing of ours listens on 9090.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
    systemctl disable prometheus >/dev/null 2>&1 || true
  fi
  exit 0
fi
echo "The metrics test needs prometheus: run 'sudo apt-get install -y prometheus' and try again." >&2
exit 1
