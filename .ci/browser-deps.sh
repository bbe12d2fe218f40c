#!/usr/bin/env bash
# Chromium for tests/test_browser.py (marker `browser`): Debian's `chromium` plus CJK fonts, so the
# UI screenshots show Chinese file names. Installs only as root with apt-get, and only what is
# missing; any failure is reported and ignored (the browser test then skips itself).
set -uo pipefail
have_chromium() { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; }
if have_chromium && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  have_chromium || echo "browser-deps: chromium missing and not root with apt-get; the browser test will be skipped"
  exit 0
fi
missing=""
have_chromium || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }; then
  echo "browser-deps: apt-get install$missing failed; the browser test will be skipped"
fi
exit 0
