#!/usr/bin/env bash
# Usage: scripts/with-moto.sh COMMAND [ARG...]
#
# Starts moto_server (an AWS API emulator; DynamoDB among others) on a free 127.0.0.1 port,
# waits until it answers, runs COMMAND with
#   SLIPWAY_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:PORT (store tests)
#   SLIPWAY_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT     (Secrets Manager, CloudWatch adapters)
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (dummies), AWS_REGION=us-east-1
# and always stops moto afterwards. Exits with COMMAND's status.
# MOTO_START_TIMEOUT (seconds, default 30) bounds the wait.
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi
if ! command -v moto_server >/dev/null 2>&1; then
	echo "with-moto: moto_server not found on PATH. It comes with the machine image" >&2
	echo "with-moto: (Python package 'moto[server]'); PyPI is not reachable from here to install it." >&2
	exit 127
fi

timeout_s="${MOTO_START_TIMEOUT:-30}"

free_port() {
	# Ask the kernel for a free loopback port (tiny race until moto binds it; a bind failure
	# shows up as moto exiting, reported below).
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

port="$(free_port)"
endpoint="http://127.0.0.1:${port}"
log="$(mktemp "${TMPDIR:-/tmp}/moto.XXXXXX.log")"
moto_pid=""

# shellcheck disable=SC2317 # invoked by the EXIT trap
stop_moto() {
	if [[ -n "${moto_pid}" ]] && kill -0 "${moto_pid}" 2>/dev/null; then
		kill "${moto_pid}" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "${moto_pid}" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "${moto_pid}" 2>/dev/null || true
		wait "${moto_pid}" 2>/dev/null || true
	fi
	rm -f "${log}"
}
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

moto_server -H 127.0.0.1 -p "${port}" >"${log}" 2>&1 &
moto_pid=$!

deadline=$((SECONDS + timeout_s))
until curl -fsS -o /dev/null --max-time 2 "${endpoint}/moto-api/" 2>/dev/null; do
	if ! kill -0 "${moto_pid}" 2>/dev/null; then
		echo "with-moto: moto_server exited before answering on ${endpoint}; its log:" >&2
		cat "${log}" >&2
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		echo "with-moto: moto_server did not answer on ${endpoint} within ${timeout_s}s; its log:" >&2
		cat "${log}" >&2
		exit 1
	fi
	sleep 0.2
done
echo "with-moto: moto_server (pid ${moto_pid}) answering on ${endpoint}" >&2

export SLIPWAY_TEST_DYNAMODB_ENDPOINT="${endpoint}"
export SLIPWAY_TEST_MOTO_ENDPOINT="${endpoint}"
export AWS_ACCESS_KEY_ID="testing"
export AWS_SECRET_ACCESS_KEY="testing"
export AWS_SESSION_TOKEN="testing"
export AWS_REGION="us-east-1"
export AWS_DEFAULT_REGION="us-east-1"
# Never let a developer's real credentials or profile leak into tests.
unset AWS_PROFILE AWS_DEFAULT_PROFILE || true
export AWS_EC2_METADATA_DISABLED=true

# Run the command as a child and wait for it, so that a TERM/INT sent to this script is
# passed on to the command at once (and moto is still stopped by the EXIT trap).
child=""
# shellcheck disable=SC2317 # invoked by the TERM/HUP/INT traps
forward() {
	if [[ -n "${child}" ]]; then
		kill "-$1" "${child}" 2>/dev/null || true
	fi
}
trap 'forward TERM' TERM HUP
trap 'forward INT' INT
"$@" <&0 &
child=$!
status=0
while :; do
	wait "${child}" && status=0 || status=$?
	kill -0 "${child}" 2>/dev/null || break
done
exit "${status}"
