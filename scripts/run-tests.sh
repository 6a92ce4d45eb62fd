#!/usr/bin/env bash
# Type-checks, runs the vitest suite, and ends with one plain summary line
# ("tests: N passed, N failed, N skipped") that CI systems can read without knowing vitest.
set -uo pipefail
cd "$(dirname "$0")/.."
# Tests that need the real data find it here; they skip with a message when it is absent.
if [ -z "${BITBEAT_DATA:-}" ] && [ -d ../shared/data ]; then export BITBEAT_DATA="$(cd ../shared/data && pwd)"; fi

npx tsc --noEmit || { echo "typecheck failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

mkdir -p .cache
report=.cache/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const fs = require("fs");
  const f = process.argv[1];
  if (!fs.existsSync(f)) { console.log("tests: 0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report"
exit $status
