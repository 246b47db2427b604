#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (playwright-core cannot download a browser here).
# `npm test` runs this first, so that one command sets up everything on a fresh machine: as root
# with apt-get it installs the `chromium` package; otherwise it says what to install.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at $browser: install Debian's 'chromium' package" \
  "(sudo apt-get install chromium) or set CHROMIUM_PATH." >&2
exit 1
