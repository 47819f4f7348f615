#!/usr/bin/env bash
# GPU check: providers, CPU–GPU parity, nodes per provider, and speed on the GPU and the CPU side
# by side, written as one markdown table (dist/gpu-check.js does the work).
#
#   scripts/gpu-check.sh pack            here, after `npm run build`: writes .gpu-carry/ (ignored):
#                                        tree.tar.xz (dist/gpu-check.js, dist/pool-worker.js, the
#                                        backbone, onnxruntime-node's linux-x64 binary, onnxruntime-common,
#                                        and this node binary) and gl/*.deb (the Vulkan loader)
#   scripts/gpu-check.sh [flags]         on the GPU machine: when .gpu-carry is newer than dist/, unpacks
#                                        it into .gpu-carry/tree (not over the working tree) and runs it
#                                        with the carried node; else runs this tree's dist/ with node.
#
# On a bare GPU machine with no network, carry exactly: .gpu-carry
#   command: bash scripts/gpu-check.sh --out "$OUT/gpu-check.md"
# Flags go to dist/gpu-check.js (--train 200 --scan 1000 --few-scan 200 --parity 40 --size 512
# --backbone inceptionv3-int8 --workers n --device <setting>; --help). The whole run is cut at
# GPU_CHECK_TIMEOUT seconds (480). GPU_CHECK_NO_INSTALL=1 leaves the system as it is (a shared machine).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
carry=.gpu-carry
backbone="${GPU_CHECK_BACKBONE:-inceptionv3-int8}"

if [[ "${1:-}" == pack ]]; then
  [[ -f dist/gpu-check.js ]] || { echo "gpu-check: run npm run build first" >&2; exit 1; }
  # The Vulkan loader of an earlier pack is kept: fetching it again needs the network.
  rm -rf "$carry/tree.tar.xz" "$carry/tree.tar.xz.part" "$carry/node" "$carry/tree" && mkdir -p "$carry/gl" "$carry/node/bin"
  cp "$(command -v node)" "$carry/node/bin/node"
  # Written under another name first: an interrupted pack leaves no truncated archive to carry.
  # The fastest xz preset: node and onnxruntime barely shrink further, and stronger presets take minutes.
  XZ_OPT="${XZ_OPT:--0 -T0}" tar -cJf "$carry/tree.tar.xz.part" package.json dist/gpu-check.js dist/pool-worker.js \
    "models/$backbone.onnx" "models/$backbone.manifest.json" \
    node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist \
    node_modules/onnxruntime-node/bin/napi-v6/linux/x64 \
    node_modules/onnxruntime-common/package.json node_modules/onnxruntime-common/dist/cjs \
    -C "$carry" node
  mv "$carry/tree.tar.xz.part" "$carry/tree.tar.xz"
  rm -rf "$carry/node"
  if ! compgen -G "$carry/gl/*.deb" >/dev/null; then
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    mkdir -p /tmp/amd64/partial
    # shellcheck disable=SC2086
    (apt-get $o update -qq && cd "$carry/gl" && apt-get $o download libvulkan1) >/dev/null 2>&1 ||
      echo "gpu-check: could not download the Vulkan loader (libvulkan1); carry it yourself in $carry/gl" >&2
  fi
  du -sh "$carry"
  exit 0
fi

node_bin=""
check=dist/gpu-check.js
# The carry is used when it is newer than this tree's own build (a bare GPU machine has none). It is
# unpacked beside the working tree, never over it: its package.json and node_modules stay apart.
if [[ "$carry/tree.tar.xz" -nt "$check" ]]; then
  tree="$carry/tree"
  rm -rf "$tree" && mkdir -p "$tree" && tar -xJf "$carry/tree.tar.xz" -C "$tree"
  check="$tree/dist/gpu-check.js"
  # The carried node is the one the bundle and onnxruntime's binding were packed with.
  "$root/$tree/node/bin/node" --version >/dev/null 2>&1 && node_bin="$root/$tree/node/bin/node"
fi
[[ -n "$node_bin" ]] || node_bin="$(command -v node || true)"
[[ -n "$node_bin" ]] || { echo "gpu-check: no node here and none carried (scripts/gpu-check.sh pack)" >&2; exit 1; }
[[ -f "$check" ]] || { echo "gpu-check: no $check: run npm run build, or carry .gpu-carry (scripts/gpu-check.sh pack)" >&2; exit 1; }
# The Vulkan loader: WebGPU runs on it on Linux. Unpacked only where the machine lacks it.
if [[ -z "${GPU_CHECK_NO_INSTALL:-}" ]] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && compgen -G "$carry/gl/*.deb" >/dev/null && [[ $(id -u) == 0 ]]; then
  for f in "$carry"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "${VK_DRIVER_FILES:-}" && -f "$icd" ]]; then export VK_DRIVER_FILES="$icd"; fi
[[ -n "${OUT:-}" ]] && echo "gpu-check: $(command -v nvidia-smi >/dev/null && nvidia-smi -L | head -1 || echo 'no nvidia-smi')" >&2
exec timeout "${GPU_CHECK_TIMEOUT:-480}" "$node_bin" "$check" --backbone "$backbone" "$@"
