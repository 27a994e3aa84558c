#!/usr/bin/env bash
# Browser tests need Debian's chromium and CJK fonts. Install them when missing and we may
# (root with apt); otherwise say what is missing and fail rather than skip the tests.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK \
  || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} for the browser tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Browser tests need: ${need[*]} (Debian packages). Install them, e.g." >&2
  echo "  sudo apt-get install ${need[*]}" >&2
  exit 1
fi
