#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100, Node 20 engine) from the npm registry into
# .e2e/code-server for the offline end-to-end tests. Its own postinstall cannot run here (it
# refuses root and downloads ripgrep), so this script does those steps by hand.
# Idempotent: a finished install leaves a stamp and later runs return at once.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=4.100.3
DEST="${ANOMALY_LENS_CODE_SERVER_DIR:-$PWD/.e2e/code-server}"
STAMP="$DEST/.installed-$VERSION"
if [ -f "$STAMP" ]; then
  echo "code-server $VERSION already installed in $DEST"
  exit 0
fi

# shellcheck source=../lib/apt.sh
. scripts/lib/apt.sh
# Debian packages: the browser, ripgrep (VS Code's search), Kerberos headers (the kerberos module).
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
apt_install install-code-server fail "for the end-to-end tests" ${need_apt[@]+"${need_apt[@]}"}

mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{ "name": "anomaly-lens-e2e-code-server", "private": true }' > package.json
echo "install-code-server: npm install code-server@$VERSION (scripts off)"
npm install --no-fund --no-audit --no-save --ignore-scripts "code-server@$VERSION" >/dev/null

# The steps of code-server's postinstall, by hand.
npm rebuild argon2 >/dev/null
CS="$DEST/node_modules/code-server"
VS="$CS/lib/vscode"
NODEDIR="$(npm config get nodedir 2>/dev/null || true)"
gyp_args=()
if [ -n "$NODEDIR" ] && [ "$NODEDIR" != "undefined" ] && [ "$NODEDIR" != "null" ]; then gyp_args+=(--nodedir="$NODEDIR"); fi
GYP="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"

echo "install-code-server: VS Code's runtime modules"
(cd "$VS" && npm install --no-fund --no-audit --omit=dev --ignore-scripts >/dev/null)
for mod in kerberos node-pty @vscode/spdlog; do
  echo "install-code-server: building $mod"
  (cd "$VS/node_modules/$mod" && node "$GYP" rebuild "${gyp_args[@]}" >/dev/null 2>&1) || {
    echo "install-code-server: building $mod failed; rerun: cd $VS/node_modules/$mod && node $GYP rebuild ${gyp_args[*]}" >&2
    exit 1
  }
done
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$VS/node_modules.asar"
ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"
echo "install-code-server: built-in extensions' modules"
(cd "$VS/extensions" && npm install --no-fund --no-audit --omit=dev --ignore-scripts >/dev/null)

touch "$STAMP"
echo "code-server $VERSION installed in $DEST"
