#!/usr/bin/env bash
# Installs what is missing, then type-checks, lints and runs every test once:
#   1. tsc over the whole repo
#   2. backstage-cli repo lint and prettier --check
#   3. unit and integration tests of every package (jest via backstage-cli;
#      DB tests on SQLite, and on PostgreSQL when
#      BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set)
#   4. the app build, then smoke tests against the real backend process and
#      browser tests in Debian's Chromium (installed with apt-get if missing)
# and ends with the line "N passed, N failed, N skipped" (tests plus the
# checks above).
# Logs and screenshots go to artifacts/.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"

export CI="${CI:-1}" # backstage-cli repo test watches unless CI is set
export BACKSTAGE_TEST_DISABLE_DOCKER=1
ART="$MYCOPOD_ROOT/artifacts"
rm -rf "$ART" && mkdir -p "$ART"
passed=0
failed=0
skipped=0
started=$SECONDS

finish() {
  log "finished in $((SECONDS - started)) s; logs in artifacts/"
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  exit $?
}

# A check counts as one test: it passes or it fails.
check() {
  local name="$1"
  shift
  local t0=$SECONDS
  log "$name: $*"
  if "$@" >"$ART/$name.log" 2>&1; then
    passed=$((passed + 1))
    log "$name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    tail -n 60 "$ART/$name.log" >&2
    log "$name: FAILED ($((SECONDS - t0)) s, log: artifacts/$name.log)"
  fi
}

# Runs jest with --json and adds its counts; a suite that fails to run counts
# as a failure too.
jest_suite() {
  local name="$1"
  shift
  local t0=$SECONDS
  log "$name: $*"
  "$@" --json --outputFile="$ART/$name.json" 2>&1 | tee "$ART/$name.log" |
    grep -E "^(PASS|FAIL)|●|Tests:|Test Suites:${SHOW_TESTS:+|^\s+(✓|✕|○)|^  [a-zA-Z]}" >&2
  local counts
  counts="$(node -e '
    const fs = require("fs");
    const f = process.argv[1];
    if (!fs.existsSync(f)) { console.log("0 1 0"); process.exit(0); }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    const broken = r.numRuntimeErrorTestSuites + (r.numTotalTests === 0 && !r.success ? 1 : 0);
    console.log(`${r.numPassedTests} ${r.numFailedTests + broken} ${r.numPendingTests + r.numTodoTests}`);
  ' "$ART/$name.json")"
  local p f s
  read -r p f s <<<"$counts"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + ${s:-0}))
  log "$name: $p passed, $f failed, ${s:-0} skipped ($((SECONDS - t0)) s)"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$ART/chromium-install.log" 2>&1
  else
    log "chromium is missing; install it (apt-get install chromium) or set CHROMIUM_PATH"
    return 1
  fi
}

# A bootstrap failure still ends with the summary line.
die() {
  printf '\033[1;31m[mycopod] %s\033[0m\n' "$*" >&2
  failed=$((failed + 1))
  finish
}
setup_toolchain
cd "$MYCOPOD_ROOT"

if [ -n "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-}" ]; then
  log "database tests run on SQLite and PostgreSQL"
else
  log "BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set: database tests run on SQLite only"
fi

check typecheck yarn tsc
check lint yarn backstage-cli repo lint
check format yarn prettier --check .
jest_suite unit yarn backstage-cli repo test
check build-app yarn workspace app build
check chromium ensure_chromium
SHOW_TESTS=1 jest_suite e2e yarn workspace e2e-tests test:e2e --verbose

finish
