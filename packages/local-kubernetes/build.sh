#!/usr/bin/env bash
# Builds the local test control plane from the Go module proxy into a cache outside the repo:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/k8s/<k8s-version>/bin/
#     kube-apiserver kube-controller-manager kube-scheduler  (k8s.io/kubernetes, packages/local-kubernetes/go/go.mod)
#     etcd           (go.etcd.io/etcd/server/v3/embed, packages/local-kubernetes/go/cmd/etcd)
#     pki            (certificates + admin kubeconfig, packages/local-kubernetes/go/cmd/pki)
#     lb-controller  (addresses for Services of type LoadBalancer, packages/local-kubernetes/go/cmd/lb-controller)
#     kwok           (sigs.k8s.io/kwok: fake nodes, pods marked Running/Ready)
# Idempotent: does nothing when the binaries match the sources (a stamp of the versions, the build
# flags, go.mod, go.sum and the cmd sources). A lock keeps two runs from building at once. The build runs
# with `nice` and few parallel jobs; Go's own module and build caches make a rebuild fast.
# A cold build takes minutes: it says every 30 s how far it got.
# Usage: bash packages/local-kubernetes/build.sh [--print-bin-dir | --check | --force]
#   --check  builds nothing: exit 0 when the binaries are built and current, 3 (and how to build
#            them) when not. Tests use it so that they fail at once instead of building.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/k8s"
bin="$cache_root/$K8S_VERSION/bin"
if [[ "${1:-}" == "--print-bin-dir" ]]; then echo "$bin"; exit 0; fi
mode="${1:-build}"

say() { printf '[k8s build] %s\n' "$*" >&2; }

# Seconds as "7 min 5 s".
duration() { local s=$1; if (( s >= 60 )); then echo "$((s / 60)) min $((s % 60)) s"; else echo "$s s"; fi; }

# Runs a command with its stderr in a log file and says every 30 s how far it got: the number of
# lines the command wrote that match a pattern (packages compiled with -v, modules downloaded),
# out of an expected total when one is known. On failure, shows the end of the log.
#   with_progress <what> <count-pattern> <expected-total|0> <log> command...
with_progress() {
  local what="$1" pattern="$2" total="$3" log="$4"; shift 4
  local started=$SECONDS pid status count
  "$@" 2>"$log" &
  pid=$!
  # A background job of a script ignores Ctrl-C: pass it on, so that nothing outlives the script.
  trap 'kill -TERM "$pid" 2>/dev/null; exit 130' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    count="$(grep -Ec "$pattern" "$log" || true)"
    if (( total > 0 )); then
      say "$what: $count of about $total ($(( count * 100 / total )) %), $(duration $((SECONDS - started))) so far"
    else
      say "$what: $count so far, $(duration $((SECONDS - started)))"
    fi
  done
  status=0; wait "$pid" || status=$?
  trap - INT TERM
  if (( status != 0 )); then
    say "$what failed (exit $status); the end of its log ($log):"
    tail -n 40 "$log" >&2
    return "$status"
  fi
}

# --- Go -------------------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
[k8s build] Go is not installed, and the local Kubernetes control plane for the tests is built
[k8s build] from Go modules. It needs Go >= $GO_MIN_VERSION. Debian's package (apt-get install golang) is
[k8s build] too old (Debian 12 ships Go 1.19), so install the official release instead:
[k8s build]   download the linux-amd64 archive of Go $GO_MIN_VERSION or newer from the Go project's download page,
[k8s build]   then: rm -rf /usr/local/go && tar -C /usr/local -xzf go1.*.linux-amd64.tar.gz
[k8s build]   and put /usr/local/go/bin on PATH (this script also looks there by itself).
[k8s build] Modules come from the Go module proxy (GOPROXY): ~0.8 GB of modules and ~3.4 GB of build cache.
MSG
  exit 2
fi
go_version="$(go env GOVERSION)"   # e.g. go1.26.8
have="${go_version#go}"; have_major="${have%%.*}"; rest="${have#*.}"; have_minor="${rest%%.*}"
need_minor="${GO_MIN_VERSION#*.}"
if (( have_major < 1 || (have_major == 1 && have_minor < need_minor) )); then
  say "Go $have at $(command -v go) is too old: Go >= $GO_MIN_VERSION is needed (k8s.io/kubernetes $K8S_VERSION says go 1.26)."
  say "Install a newer Go as the official archive into /usr/local/go (Debian's golang package is too old)."
  exit 2
fi

# --- what to build --------------------------------------------------------------------------
binaries=(kube-apiserver kube-controller-manager kube-scheduler etcd pki lb-controller kwok)
k8s_packages=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
              k8s.io/kubernetes/cmd/kube-scheduler ./cmd/etcd ./cmd/pki ./cmd/lb-controller)
export CGO_ENABLED=0
major_minor="${K8S_VERSION#v}"; minor="${major_minor#*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
done
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
kwok_stage_files=(node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
                  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml)
# What the binaries are made from: the versions, the recipe above and our Go sources. This
# script's other lines (messages, progress) are left out, so editing them rebuilds nothing.
stamp_of_sources() {
  {
    echo "k8s=$K8S_VERSION kwok=$KWOK_VERSION go=$go_version cgo=$CGO_ENABLED"
    echo "packages=${k8s_packages[*]} ldflags=$ldflags stages=${kwok_stage_files[*]}"
    cat "$here/go/go.mod" "$here/go/go.sum"
    find "$here/go/cmd" -type f -name '*.go' | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}
up_to_date() {
  [[ -f "$bin/.stamp" && "$(cat "$bin/.stamp")" == "$(stamp_of_sources)" ]] || return 1
  [[ -f "$bin/kwok-stages.yaml" ]] || return 1
  local b; for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

if [[ "$mode" != "--force" ]] && up_to_date; then
  [[ "$mode" == "--check" ]] || say "up to date: $bin"
  exit 0
fi
if [[ "$mode" == "--check" ]]; then
  say "the local control plane is not built, or its sources changed since: missing or stale in $bin"
  say "build it with:  bash packages/local-kubernetes/build.sh   (cold: about 8 min on 2 cores; after that, cached)"
  say "or run the README's test command (npm test), which builds it before the suites that need it."
  exit 3
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/build.lock"
if ! flock -n 9; then
  say "another build holds $cache_root/build.lock; waiting for it"
  flock 9
fi
if [[ "$mode" != "--force" ]] && up_to_date; then
  say "up to date (built by the other run): $bin"
  exit 0
fi

# --- build ----------------------------------------------------------------------------------
jobs="${K8S_BUILD_JOBS:-2}"
tmp="$cache_root/$K8S_VERSION/bin.partial"
rm -rf "$tmp"; mkdir -p "$tmp"
started=$SECONDS
logs="$cache_root/$K8S_VERSION/logs"; mkdir -p "$logs"
say "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler), etcd, pki, lb-controller"
say "with $go_version, nice -n 15, $jobs parallel jobs. Cold, this takes about 8 min on 2 cores"
say "(about 1 GB of modules, 3.5 GB of Go build cache); once built, the next run takes no time."
cd "$here/go"
# Listing the packages downloads the modules they come from and tells how many will compile.
with_progress "downloading Go modules" '^go: downloading' 0 "$logs/download.log" \
  go list -deps -f '{{.ImportPath}}' "${k8s_packages[@]}" >"$logs/packages.txt"
say "modules ready after $(duration $((SECONDS - started))); compiling $(wc -l <"$logs/packages.txt") packages"
with_progress "compiling Kubernetes packages" '^[A-Za-z0-9._/~-]+$' "$(wc -l <"$logs/packages.txt")" "$logs/build.log" \
  nice -n 15 go build -v -p "$jobs" -buildvcs=false -trimpath -ldflags "$ldflags" -o "$tmp/" "${k8s_packages[@]}"
say "building kwok $KWOK_VERSION (its own Kubernetes client version: a few hundred more packages)"
cd /   # outside any module: go install pkg@version uses kwok's own go.mod and go.sum
with_progress "compiling kwok packages" '^[A-Za-z0-9._/~-]+$' 0 "$logs/kwok.log" \
  env GOBIN="$tmp" nice -n 15 go install -v -p "$jobs" -buildvcs=false -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
# kwok needs its simulation stages as configuration: take the defaults that the pinned kwok
# release publishes in its module (fast node start, node heartbeat with lease, pods marked
# Ready, completed and deleted) and write them beside the binary. Nothing of them is committed.
kwok_dir="$(cd / && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
stages="$kwok_dir/kustomize/stage"
{
  for f in "${kwok_stage_files[@]}"; do
    [[ -f "$stages/$f" ]] || { say "kwok $KWOK_VERSION has no $f"; exit 1; }
    echo "---"; cat "$stages/$f"
  done
} > "$tmp/kwok-stages.yaml"
for b in "${binaries[@]}"; do
  [[ -x "$tmp/$b" ]] || { say "missing after build: $b"; exit 1; }
done
mkdir -p "$bin"
for b in "${binaries[@]}"; do mv -f "$tmp/$b" "$bin/$b"; done
mv -f "$tmp/kwok-stages.yaml" "$bin/kwok-stages.yaml"
rmdir "$tmp"
stamp_of_sources > "$bin/.stamp"
say "built into $bin in $(duration $((SECONDS - started))); next runs find it there and take no time,"
say "and a change to packages/local-kubernetes/go or this script rebuilds from Go's build cache in under a minute."
