#!/usr/bin/env bash
# One command: install dependencies, build the demo model, build the app and start it on the bundled demo dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
npm ci --no-audit --no-fund
npm run --silent prepare:assets
npx next build
PORT="${PORT:-3000}"
echo
echo "Margin Atlas: open http://127.0.0.1:${PORT}/?demo=1 (the bundled demo dataset loads automatically)"
echo
exec npx next start -p "$PORT" -H 127.0.0.1
