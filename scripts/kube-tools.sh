#!/usr/bin/env bash
# Usage: scripts/kube-tools.sh            build the control plane if needed; print its bin dir
#        scripts/kube-tools.sh --dir      print the bin dir only (no build; may not exist yet)
#        scripts/kube-tools.sh --print-replaces   the replace block tools/kube/go.mod needs
#
# Builds the pinned Kubernetes control plane the kube tests run (kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd, kwok; versions in tools/kube/go.mod) into a
# cache OUTSIDE the clone:
#   ${SLIPWAY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}/kube/<hash>/bin
# where <hash> covers tools/kube/go.mod, tools/kube/go.sum and the build flags of this script,
# so the binaries are rebuilt only when a pin changes, and a warm machine pays nothing. The Go
# build and module caches are the default ones. A cold build takes ≈ 20 minutes on 2 cores.
# Concurrent runs (two clones on one machine) serialise on a lock; binaries appear atomically.
set -euo pipefail
cd "$(dirname "$0")/.."

mod=tools/kube
kube_version=v1.37.2
# The version the components report (clients warn about skew without it).
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${kube_version}"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=${kube_version}"
kube_cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler sigs.k8s.io/kwok/cmd/kwok)
binaries=(kube-apiserver kube-controller-manager kube-scheduler kwok etcd)

if [[ "${1:-}" == --print-replaces ]]; then
	gomod="$(cd "$mod" && go mod download -json "k8s.io/kubernetes@${kube_version}" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
	minor="${kube_version#v1.}"
	echo "replace ("
	grep -E '^\s+k8s.io/\S+ v0.0.0$' "$gomod" | awk -v v="v0.${minor}" '{printf "\t%s => %s %s\n", $1, $1, v}'
	echo ")"
	exit 0
fi

hash="$( { cat "$mod/go.mod" "$mod/go.sum"; echo "$ldflags"; go env GOOS GOARCH; } | sha256sum | cut -c1-16)"
root="${SLIPWAY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}/kube"
bin="$root/$hash/bin"

if [[ "${1:-}" == --dir ]]; then
	echo "$bin"
	exit 0
fi

complete() {
	local b
	for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

if complete; then
	echo "$bin"
	exit 0
fi

mkdir -p "$root"
exec 9>"$root/.lock"
echo "kube-tools: waiting for the build lock $root/.lock" >&2
flock 9
if complete; then # another run built them while we waited
	echo "$bin"
	exit 0
fi

tmp="$root/$hash/bin.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
echo "kube-tools: building the control plane (${binaries[*]}) into $bin; ≈ 20 min cold" >&2
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$tmp/" "${kube_cmds[@]}")
# etcd's main package is the module root (go.etcd.io/etcd/server/v3): name the binary.
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
rm -rf "$bin"
mv "$tmp" "$bin"
trap - EXIT
echo "kube-tools: built in $((SECONDS - start)) s" >&2
echo "$bin"
