#!/usr/bin/env bash
# Installs what is missing and starts the MycoPod demo:
#   - the Proxmox VE simulator (demo fleet, demo timings) on
#     https://127.0.0.1:8006 (cluster lab) and :8007 (cluster edge), with a
#     CA in .demo/pve-tls/ and a fresh API token secret for this run;
#   - the app: frontend on http://localhost:3000, backend on
#     http://localhost:7007, configured with app-config.yaml and
#     app-config.demo.yaml (which trusts the simulator's CA).
# Ctrl+C stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
setup_toolchain
cd "$MYCOPOD_ROOT"

DEMO_DIR="$MYCOPOD_ROOT/.demo"
mkdir -p "$DEMO_DIR"
MYCOPOD_PVE_TOKEN_SECRET="$(node -e 'console.log(require("crypto").randomUUID())')"
export MYCOPOD_PVE_TOKEN_SECRET

log "starting the Proxmox simulator (demo fleet): https://127.0.0.1:8006 (lab), :8007 (edge)"
yarn workspace @mycopod/pve-simulator start --fleet demo --timings demo \
  --port 8006 --tls-dir "$DEMO_DIR/pve-tls" \
  --token "root@pam!mycopod=$MYCOPOD_PVE_TOKEN_SECRET" \
  >"$DEMO_DIR/simulator.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  if grep -q "CA certificate" "$DEMO_DIR/simulator.log" 2>/dev/null; then break; fi
  kill -0 "$SIM_PID" 2>/dev/null || die "the simulator did not start (log: .demo/simulator.log)"
  sleep 0.5
done
[ -f "$DEMO_DIR/pve-tls/ca.pem" ] || die "the simulator wrote no CA (log: .demo/simulator.log)"

log "starting the demo app: http://localhost:3000 (backend http://localhost:7007)"
yarn start --config "$MYCOPOD_ROOT/app-config.yaml" --config "$MYCOPOD_ROOT/app-config.demo.yaml" "$@"
