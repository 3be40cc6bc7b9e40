#!/usr/bin/env bash
# The one test command (README: `npm test`). CI runs exactly this through .ci/run.
# The Python runtime's tests run before vitest: their script also creates python/.venv (Django,
# boto3, django-storages), which the TypeScript suites that run Django handlers need.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc -p tsconfig.json
# One command a line: under set -e a failure before the last `&&` of a list would not stop the run.
echo "== lint";      npx biome check .
node scripts/check-cycles.mjs
node scripts/check-workflows.mjs
echo "== build";     node scripts/build.mjs
echo "== python";    bash python/scripts/test.sh
# vitest on the lowest Node package.json's engines allow, then the journeys on the newest LTS
# (scripts/test-node.sh fetches a pinned one on first use); PATH first, so child processes (the
# CLI, handlers, npm) run on it too.
node22="$(bash scripts/test-node.sh 22)"
node24="$(bash scripts/test-node.sh 24)"
echo "== vitest (Node $("$node22/node" --version))"; PATH="$node22:$PATH" npx vitest run
echo "== smoke (Node $("$node24/node" --version))"
PATH="$node24:$PATH" npx vitest run packages/cli/test/init-node.test.ts packages/cli/test/aws/django-journey.test.ts
