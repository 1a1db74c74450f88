#!/usr/bin/env bash
# Installs what is missing and starts the MycoPod demo app:
# frontend on http://localhost:3000, backend on http://localhost:7007.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
setup_toolchain
cd "$MYCOPOD_ROOT"
log "starting the demo app: http://localhost:3000 (backend http://localhost:7007)"
exec yarn start "$@"
