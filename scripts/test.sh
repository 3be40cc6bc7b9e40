#!/usr/bin/env bash
# The one test command (README: `npm test`). CI runs exactly this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint";      npx biome check . && node scripts/check-cycles.mjs
echo "== build";     node scripts/build.mjs
echo "== vitest";    npx vitest run
if [ -f python/scripts/test.sh ]; then echo "== python"; bash python/scripts/test.sh; fi
