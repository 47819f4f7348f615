#!/usr/bin/env bash
# One-time set-up on a fresh machine: system packages for the browser tests, npm packages,
# and the build (which converts the bundled backbones). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/apt.sh
. scripts/lib/apt.sh
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
apt_install setup warn "needed only for the webview tests" ${need_apt[@]+"${need_apt[@]}"}

echo "setup: npm ci"
npm ci --no-fund --no-audit
echo "setup: npm run build"
npm run build
