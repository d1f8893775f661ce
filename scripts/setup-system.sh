#!/usr/bin/env bash
# System parts the tests need, from Debian's packages: PostgreSQL (registry tests run on it too), Chromium
# (Playwright drives it for the browser tests), a CJK font (labels render Chinese), poppler-utils (PDF checks).
# Idempotent and quick when everything is there. When a part cannot be installed it says so loudly; the tests
# that need it then fail with the reason (they never pass silently).
set -u
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: postgresql, chromium, fonts-noto-cjk and poppler-utils are installed"
  exit 0
fi
echo "setup-system: installing ${need[*]} (apt-get)"
if [ "$(id -u)" != 0 ]; then
  echo "!!! setup-system: not root, cannot install ${need[*]}: the tests that need them will FAIL !!!" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# (the whole list: apt-get leaves what is installed as it is)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql chromium fonts-noto-cjk poppler-utils >/tmp/pcf-apt.log 2>&1; }; then
  echo "!!! setup-system: apt-get install ${need[*]} failed (see /tmp/pcf-apt.log): the tests that need them will FAIL !!!" >&2
fi
exit 0
