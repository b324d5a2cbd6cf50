#!/usr/bin/env bash
# Builds the local test control plane from the Go module proxy into a cache outside the repo:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/k8s/<k8s-version>/bin/
#     kube-apiserver kube-controller-manager kube-scheduler  (k8s.io/kubernetes, test/k8s/go/go.mod)
#     etcd           (go.etcd.io/etcd/server/v3/embed, test/k8s/go/cmd/etcd)
#     pki            (certificates + admin kubeconfig, test/k8s/go/cmd/pki)
#     lb-controller  (addresses for Services of type LoadBalancer, test/k8s/go/cmd/lb-controller)
#     kwok           (sigs.k8s.io/kwok: fake nodes, pods marked Running/Ready)
# Idempotent: does nothing when the binaries match the sources (a stamp of go.mod, go.sum, the
# cmd sources and this script). A lock keeps two runs from building at once. The build runs
# with `nice` and few parallel jobs; Go's own module and build caches make a rebuild fast.
# Usage: bash test/k8s/build.sh [--print-bin-dir] [--force]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/k8s"
bin="$cache_root/$K8S_VERSION/bin"
if [[ "${1:-}" == "--print-bin-dir" ]]; then echo "$bin"; exit 0; fi
force=0; [[ "${1:-}" == "--force" ]] && force=1

say() { printf '[k8s build] %s\n' "$*" >&2; }

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
stamp_of_sources() {
  {
    echo "k8s=$K8S_VERSION kwok=$KWOK_VERSION go=$go_version"
    cat "$here/go/go.mod" "$here/go/go.sum" "$here/build.sh"
    find "$here/go/cmd" -type f -name '*.go' | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}
up_to_date() {
  [[ -f "$bin/.stamp" && "$(cat "$bin/.stamp")" == "$(stamp_of_sources)" ]] || return 1
  [[ -f "$bin/kwok-stages.yaml" ]] || return 1
  local b; for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

if (( force == 0 )) && up_to_date; then
  say "up to date: $bin"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/build.lock"
if ! flock -n 9; then
  say "another build holds $cache_root/build.lock; waiting for it"
  flock 9
fi
if (( force == 0 )) && up_to_date; then
  say "up to date (built by the other run): $bin"
  exit 0
fi

# --- build ----------------------------------------------------------------------------------
export CGO_ENABLED=0
jobs="${K8S_BUILD_JOBS:-2}"
major_minor="${K8S_VERSION#v}"; minor="${major_minor#*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
done
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
tmp="$cache_root/$K8S_VERSION/bin.partial"
rm -rf "$tmp"; mkdir -p "$tmp"
started=$(date +%s)
say "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler), etcd, pki, lb-controller"
say "with $go_version, nice -n 15, $jobs parallel jobs; a cold build takes a long time on 2 cores (see README)"
(
  cd "$here/go"
  nice -n 15 go build -p "$jobs" -buildvcs=false -trimpath -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    ./cmd/etcd ./cmd/pki ./cmd/lb-controller
)
say "building kwok $KWOK_VERSION"
(
  cd /   # outside any module: go install pkg@version uses kwok's own go.mod and go.sum
  GOBIN="$tmp" nice -n 15 go install -p "$jobs" -buildvcs=false -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
)
# kwok needs its simulation stages as configuration: take the defaults that the pinned kwok
# release publishes in its module (fast node start, node heartbeat with lease, pods marked
# Ready, completed and deleted) and write them beside the binary. Nothing of them is committed.
kwok_dir="$(cd / && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
stages="$kwok_dir/kustomize/stage"
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
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
say "built into $bin in $(( $(date +%s) - started )) s"
