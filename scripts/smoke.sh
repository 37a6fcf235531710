#!/usr/bin/env bash
# Usage: scripts/smoke.sh   (make smoke)
#
# Runs every Lambda function the way `sam local invoke` does, under the AWS Lambda Runtime
# Interface Emulator, and checks every events/ fixture against it:
#   1. builds each function of the Makefile's FUNCTIONS through its build-<LogicalId> target
#      (what `sam build` runs) for the host architecture into .aws-sam/smoke/<arch>/, and for
#      arm64 (the template's architecture) for the size report;
#   2. installs aws-lambda-rie (pinned below) with `go install` into .aws-sam/tools/;
#   3. runs TestSmoke (internal/smoke) under scripts/with-moto.sh (moto_server for Step
#      Functions, Secrets Manager, CloudWatch); the test starts the embedded DynamoDB and a
#      CodeBuild fake, runs each bootstrap under the emulator with its
#      template/env.json environment, invokes the fixtures one at a time, checks every answer
#      and prints sizes and init durations. It stops everything it started, also on failure
#      or interrupt.
# Needs go, make and moto_server. Everything it writes is under .aws-sam/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

GO="${GO:-go}"
MAKE="${MAKE:-make}"
# The emulator's only published version on the module proxy (a pseudo-version).
RIE_MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d

out="$PWD/.aws-sam/smoke"
tools="$PWD/.aws-sam/tools"
host_arch="$("$GO" env GOARCH)"
start=$SECONDS

# The Makefile's FUNCTIONS, read through make itself (one list to maintain).
functions="$("$MAKE" -s --no-print-directory -f Makefile -f - print-smoke-functions <<'EOF'
print-smoke-functions:
	@echo $(FUNCTIONS)
EOF
)"
[[ -n "$functions" ]] || { echo "smoke: the Makefile lists no FUNCTIONS" >&2; exit 1; }

pids=()
# shellcheck disable=SC2317 # invoked by the traps
stop_jobs() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}
trap stop_jobs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# build ARCH: every function for ARCH into $out/ARCH/<LogicalId>/bootstrap, in parallel.
build() {
	local arch="$1" f status=0
	pids=()
	for f in $functions; do
		"$MAKE" -s --no-print-directory "build-$f" ARTIFACTS_DIR="$out/$arch/$f" ARCH="$arch" >/dev/null &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || status=$?
	done
	pids=()
	return "$status"
}

echo "smoke: building $functions for $host_arch (and arm64 for the size report)"
build "$host_arch"
arm64_dir="$out/$host_arch"
if [[ "$host_arch" != arm64 ]]; then
	build arm64
	arm64_dir="$out/arm64"
fi

echo "smoke: installing aws-lambda-rie@$RIE_VERSION into $tools"
GOBIN="$tools" GOFLAGS='' "$GO" install "$RIE_MODULE/cmd/aws-lambda-rie@$RIE_VERSION"
echo "smoke: ready after $((SECONDS - start))s"

# The test binary is built, then run from its package directory in the background: a signal
# reaches this script at once and is passed on by the EXIT trap (SIGTERM), on which TestSmoke
# stops every process it started (the emulators also die with it: Pdeathsig).
"$GO" test -c -o "$out/smoke.test" ./internal/smoke/
(
	cd internal/smoke
	exec env SLIPWAY_SMOKE_BOOTSTRAPS="$out/$host_arch" SLIPWAY_SMOKE_ARM64="$arm64_dir" \
		SLIPWAY_SMOKE_RIE="$tools/aws-lambda-rie" \
		../../scripts/with-moto.sh "$out/smoke.test" -test.count=1 -test.v -test.timeout=5m -test.run='^TestSmoke$' </dev/null
) &
pids=($!)
status=0
wait "${pids[0]}" || status=$?
pids=()
echo "smoke: $((SECONDS - start))s in all"
exit "$status"
