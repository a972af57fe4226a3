#!/usr/bin/env bash
# One command: install everything (npm deps, Debian Chromium if missing) and run every check:
# format, lint, typecheck, unit tests, production build, end-to-end tests in Chromium.
# Ends with one line "N passed, N failed" summing every suite (static checks count as one test each).
set -uo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1 CI=1
# Playwright empties test-results/ when it starts, so the reports live elsewhere.
mkdir -p reports
: > reports/summary.tsv

step() { # name, command...: records pass/fail of a step that has no test count of its own
  local name="$1"; shift
  echo "::: $name"
  if "$@"; then printf '%s\t1\t0\t0\n' "$name" >> reports/summary.tsv
  else printf '%s\t0\t1\t0\n' "$name" >> reports/summary.tsv; fi
}

bash scripts/ensure-chromium.sh || { echo "0 passed, 1 failed"; exit 1; }
npm ci --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
npm run --silent prepare:assets || { echo "0 passed, 1 failed"; exit 1; }

step "format" npx prettier --check .
step "lint" npx eslint --max-warnings=0 .
step "typecheck" npx tsc --noEmit -p .

echo "::: unit (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile=reports/vitest.json
node scripts/count-results.mjs vitest reports/vitest.json >> reports/summary.tsv

step "build" npx next build

echo "::: e2e (playwright, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=reports/playwright.json npx playwright test --reporter=list,json
node scripts/count-results.mjs playwright reports/playwright.json >> reports/summary.tsv

echo
echo "Suite summary (name, passed, failed, skipped):"
column -t -s $'\t' reports/summary.tsv || cat reports/summary.tsv
awk -F'\t' '{p+=$2; f+=$3; s+=$4} END {if (s>0) printf "(%d skipped)\n", s; printf "%d passed, %d failed\n", p, f; exit (f>0)}' reports/summary.tsv
