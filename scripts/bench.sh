#!/usr/bin/env bash
# Runs the benchmarks in bench/ and writes their results to bench/results/:
#   pve.bench.ts           client + simulator over HTTPS on loopback (pve.json)
#   executor.bench.ts      100 approved requests through the demo backend's
#                          executor vs sequential provisioning (executor.json)
#   requests-api.bench.ts  GET /api/proxmox/requests at 10 000 requests on
#                          SQLite and PostgreSQL vs the catalog (requests-api.json)
#   catalog.bench.ts       large:3x40x10000 through the real catalog backend:
#                          PVE calls, provider CPU, ingest on PostgreSQL and
#                          SQLite, unchanged refresh, new VM → entity, vs a
#                          naive per-guest sync (catalog.json)
# The last three start the real demo backend process (packages/backend) and
# need PostgreSQL (MYCOPOD_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432).
# Run one: bash scripts/bench.sh executor
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
setup_toolchain
cd "$MYCOPOD_ROOT"
export MYCOPOD_BENCH_POSTGRES="${MYCOPOD_BENCH_POSTGRES:-${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}}"
benches=(pve executor requests-api catalog)
[ "$#" -gt 0 ] && benches=("$@")
for name in "${benches[@]}"; do
  bench="bench/$name.bench.ts"
  [ -f "$bench" ] || die "no benchmark $bench"
  log "running $bench"
  t0=$SECONDS
  node --require @backstage/cli-node/config/nodeTransform.cjs "$bench"
  log "$bench took $((SECONDS - t0)) s"
done
