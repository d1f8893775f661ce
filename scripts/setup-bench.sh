#!/usr/bin/env bash
# System part `make bench` needs: Debian's wrk (the HTTP load generator for the API figures). Idempotent and quick
# when it is there. When it cannot be installed this says so loudly and exits 0: the bench then reports the HTTP
# throughput figures as missing (ok false) and itself exits non-zero, so nothing passes silently.
set -u
if command -v wrk >/dev/null 2>&1; then
  echo "setup-bench: wrk is installed ($(wrk -v 2>&1 | head -n 1))"
  exit 0
fi
echo "setup-bench: installing wrk (apt-get)"
if [ "$(id -u)" != 0 ]; then
  echo "!!! setup-bench: not root, cannot install wrk: the API throughput figures will be MISSING !!!" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/tmp/pcf-apt-bench.log 2>&1; }; then
  echo "!!! setup-bench: apt-get install wrk failed (see /tmp/pcf-apt-bench.log): the API throughput figures will be MISSING !!!" >&2
fi
exit 0
