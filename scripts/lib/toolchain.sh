# shellcheck shell=bash
# Sourced by the scripts in this folder. Puts a Node.js 22/24 and Yarn 4 on
# PATH, bootstrapping them from the npm registry when the machine lacks them:
#   - Node: the system one if it is 22 or 24, else the npm package
#     node-linux-<arch>@$MYCOPOD_NODE_VERSION unpacked into .toolchain/
#   - Yarn: the release committed in .yarn/releases (no corepack)
# and exports npm_config_nodedir so node-gyp builds native modules against
# that Node's own headers (it cannot download them here).

MYCOPOD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MYCOPOD_NODE_VERSION="${MYCOPOD_NODE_VERSION:-24.21.0}"
TOOLCHAIN_DIR="$MYCOPOD_ROOT/.toolchain"

log() { printf '\033[1;34m[mycopod]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[mycopod] %s\033[0m\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local sys_node major
  sys_node="$(command -v node || true)"
  if [ -n "$sys_node" ]; then
    major="$(node_major "$sys_node")"
    if [ "$major" = 22 ] || [ "$major" = 24 ]; then
      local prefix
      prefix="$(cd "$(dirname "$sys_node")/.." && pwd)"
      if [ -f "$prefix/include/node/node.h" ]; then
        export npm_config_nodedir="$prefix"
      fi
      log "using Node $("$sys_node" --version) from $sys_node"
      return
    fi
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU $(uname -m): install Node.js 22 or 24 yourself" ;;
  esac
  local dir="$TOOLCHAIN_DIR/node-v$MYCOPOD_NODE_VERSION-linux-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    local t0=$SECONDS
    command -v npm >/dev/null || die "need either Node.js 22/24, or npm to fetch it"
    local found="missing"
    [ -n "$sys_node" ] && found="$("$sys_node" --version) ($sys_node)"
    log "system Node is $found; fetching node-linux-$arch@$MYCOPOD_NODE_VERSION from the npm registry"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$MYCOPOD_NODE_VERSION" >/dev/null) ||
      die "npm pack node-linux-$arch@$MYCOPOD_NODE_VERSION failed"
    mkdir -p "$dir.partial"
    tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$dir.partial" --strip-components=1
    rm -rf "$tmp" "$dir"
    mv "$dir.partial" "$dir"
    log "Node $MYCOPOD_NODE_VERSION unpacked into .toolchain/ ($((SECONDS - t0)) s)"
  fi
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  log "using Node $(node --version) from $dir"
}

ensure_yarn() {
  local release
  release="$(ls "$MYCOPOD_ROOT"/.yarn/releases/yarn-*.cjs | head -n 1)"
  [ -f "$release" ] || die "no Yarn release in .yarn/releases"
  mkdir -p "$TOOLCHAIN_DIR/bin"
  cat >"$TOOLCHAIN_DIR/bin/yarn" <<SHIM
#!/bin/sh
exec node "$release" "\$@"
SHIM
  chmod +x "$TOOLCHAIN_DIR/bin/yarn"
  export PATH="$TOOLCHAIN_DIR/bin:$PATH"
}

ensure_deps() {
  log "yarn install --immutable"
  local t0=$SECONDS
  (cd "$MYCOPOD_ROOT" && yarn install --immutable) >"$MYCOPOD_ROOT/.toolchain/install.log" 2>&1 || {
    tail -n 40 "$MYCOPOD_ROOT/.toolchain/install.log" >&2
    die "yarn install failed (full log: .toolchain/install.log)"
  }
  log "dependencies installed ($((SECONDS - t0)) s)"
}

setup_toolchain() {
  ensure_node
  ensure_yarn
  ensure_deps
}
