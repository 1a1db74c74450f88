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

# Plain-language drafting (templates/vm-from-description): a model from the
# environment, e.g. a local Ollama
#   MYCOPOD_LLM_PROVIDER=ollama MYCOPOD_LLM_MODEL=llama3.1 bash scripts/start.sh
# or any OpenAI-compatible endpoint
#   MYCOPOD_LLM_PROVIDER=openai-compatible MYCOPOD_LLM_BASE_URL=http://host:8000/v1 \
#   MYCOPOD_LLM_MODEL=my-model MYCOPOD_LLM_API_KEY=... bash scripts/start.sh
# The key stays in the environment (the config file refers to it).
LLM_CONFIG=()
rm -f "$DEMO_DIR/app-config.llm.yaml"
if [ -n "${MYCOPOD_LLM_PROVIDER:-}" ]; then
  [ -n "${MYCOPOD_LLM_MODEL:-}" ] || die "MYCOPOD_LLM_PROVIDER is set: set MYCOPOD_LLM_MODEL too"
  {
    echo "proxmox:"
    echo "  llm:"
    echo "    provider: $MYCOPOD_LLM_PROVIDER"
    echo "    model: $MYCOPOD_LLM_MODEL"
    if [ -n "${MYCOPOD_LLM_BASE_URL:-}" ]; then echo "    baseUrl: $MYCOPOD_LLM_BASE_URL"; fi
    if [ -n "${MYCOPOD_LLM_API_KEY:-}" ]; then echo "    apiKey: \${MYCOPOD_LLM_API_KEY}"; fi
    if [ -n "${MYCOPOD_LLM_OUTPUT:-}" ]; then echo "    output: $MYCOPOD_LLM_OUTPUT"; fi
  } >"$DEMO_DIR/app-config.llm.yaml"
  LLM_CONFIG=(--config "$DEMO_DIR/app-config.llm.yaml")
  log "plain-language drafting: $MYCOPOD_LLM_PROVIDER model $MYCOPOD_LLM_MODEL${MYCOPOD_LLM_BASE_URL:+ at $MYCOPOD_LLM_BASE_URL}"
else
  log "plain-language drafting is off (set MYCOPOD_LLM_PROVIDER and MYCOPOD_LLM_MODEL, see README); the form template works"
fi

log "starting the demo app: http://localhost:3000 (backend http://localhost:7007)"
yarn start --config "$MYCOPOD_ROOT/app-config.yaml" --config "$MYCOPOD_ROOT/app-config.demo.yaml" "${LLM_CONFIG[@]}" "$@"
