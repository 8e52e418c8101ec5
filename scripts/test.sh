#!/usr/bin/env bash
# `npm test`: lint, format check, typecheck, unit tests, then the integration and end-to-end tests inside
# `firebase emulators:exec`. Every step runs even when an earlier one fails, so one run shows everything;
# the exit status is non-zero if any step failed, and the last line is the combined pass/fail count.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --if-needed || exit 1
source scripts/node-env.sh

results=.cache/test-results
rm -rf "$results" && mkdir -p "$results"
failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name ==="
  local t0=$SECONDS
  if "$@"; then
    echo "--- $name: ok ($((SECONDS - t0)) s)"
  else
    echo "--- $name: FAILED ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

vitest=node_modules/vitest/vitest.mjs
step lint node node_modules/eslint/bin/eslint.js --max-warnings 0 .
step import-rules npm run --silent lint:deps
step duplicates npm run --silent lint:dup
step format node node_modules/prettier/bin/prettier.cjs --check --log-level warn .
step typecheck node node_modules/typescript/bin/tsc -b
step unit node "$vitest" run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json"
step integration node scripts/emulators.ts exec -- node "$vitest" run --project integration --reporter=default \
  --reporter=json --outputFile.json="$results/integration.json"
# The pipeline's fault scenarios (model server killed, LLM faults, redelivery, schedule) need other params
# (a model and a Vertex endpoint configured), which are fixed per emulator session: a second session.
step live node scripts/emulators.ts exec --project demo-clarity-live -- node "$vitest" run --project live \
  --reporter=default --reporter=json --outputFile.json="$results/live.json"

echo
node scripts/test-summary.ts "$results" "${failed[@]}"
