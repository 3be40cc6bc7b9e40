#!/usr/bin/env bash
# The one test command (README: `npm test`). CI runs exactly this through .ci/run.
# The Python runtime's tests run before vitest: their script also creates python/.venv (Django,
# boto3, django-storages), which the TypeScript suites that run Django handlers need.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint";      npx biome check . && node scripts/check-cycles.mjs
echo "== build";     node scripts/build.mjs
echo "== python";    bash python/scripts/test.sh
echo "== vitest";    npx vitest run
