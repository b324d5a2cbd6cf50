#!/usr/bin/env bash
# Starts, stops or shows the local Kubernetes control plane (see test/k8s/README.md).
#   bash packages/local-kubernetes/control-plane.sh start    # builds it when missing, starts it in the background,
#                                           # waits until ready, prints `export KUBECONFIG=...`
#   bash packages/local-kubernetes/control-plane.sh start --no-build   # fails at once, saying how to build, when
#                                           # the binaries are missing (tests: no hook ever builds)
#   bash packages/local-kubernetes/control-plane.sh stop     # stops every component, removes its data
#   bash packages/local-kubernetes/control-plane.sh status
# State (pid, kubeconfig, log) lives in $K8S_LOCAL_STATE (default: <repo>/.cache/k8s-local).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${K8S_LOCAL_STATE:-$repo/.cache/k8s-local}"
pidfile="$state/serve.pid"
say() { printf '[k8s local] %s\n' "$*" >&2; }
running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then
      say "already running (pid $(cat "$pidfile"))"
      echo "export KUBECONFIG=$state/kubeconfig"
      exit 0
    fi
    command -v node >/dev/null || { say "node is needed (run through the repo's bootstrap: yarn test / npm test)"; exit 2; }
    if [[ "${2:-}" == "--no-build" ]]; then
      bash "$here/build.sh" --check
      bash "$here/install-helm.sh" --check
    else
      nice -n 10 bash "$here/build.sh"
      bash "$here/install-helm.sh"
    fi
    mkdir -p "$state"
    rm -f "$state/ready.json"
    (cd "$repo" && exec node --import tsx "$here/src/cli.ts" serve --state "$state") >"$state/serve.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 720); do
      [[ -f "$state/ready.json" ]] && break
      if ! running; then say "failed to start; log:"; tail -n 40 "$state/serve.log" >&2; exit 1; fi
      sleep 0.25
    done
    [[ -f "$state/ready.json" ]] || { say "not ready after 180 s; log: $state/serve.log"; exit 1; }
    say "$(tail -n 1 "$state/serve.log")"
    echo "export KUBECONFIG=$state/kubeconfig"
    ;;
  stop)
    if ! running; then say "not running"; rm -f "$pidfile"; exit 0; fi
    pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    for _ in $(seq 1 240); do running || break; sleep 0.25; done
    if running; then say "still running after 60 s: pid $pid (see $state/serve.log)"; exit 1; fi
    rm -f "$pidfile"
    say "stopped"
    ;;
  status)
    if running; then say "running (pid $(cat "$pidfile"))"; cat "$state/ready.json" 2>/dev/null || true; else say "not running"; exit 3; fi
    ;;
  *)
    echo "usage: bash packages/local-kubernetes/control-plane.sh start|stop|status" >&2; exit 2 ;;
esac
