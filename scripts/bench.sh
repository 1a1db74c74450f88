#!/usr/bin/env bash
# Runs the benchmarks in bench/ (client + simulator over HTTPS on loopback)
# and writes their results to bench/results/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
setup_toolchain
cd "$MYCOPOD_ROOT"
for bench in bench/*.bench.ts; do
  log "running $bench"
  node --require @backstage/cli-node/config/nodeTransform.cjs "$bench"
done
