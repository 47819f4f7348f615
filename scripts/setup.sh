#!/usr/bin/env bash
# One-time set-up on a fresh machine: system packages for the browser tests, npm packages,
# and the build (which converts the bundled backbones). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (needed only for the webview tests)" >&2
  fi
fi

echo "setup: npm ci"
npm ci --no-fund --no-audit
echo "setup: npm run build"
npm run build
