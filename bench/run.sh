#!/usr/bin/env bash
# Usage: bench/run.sh [ROUNDS] [SECONDS]
#
# The paired Get Application measurement: builds and starts bench/pairserver (the local
# system and a bare one-GetItem server on one embedded DynamoDB server, request log on at
# Info, written to a file), then runs `wrk -t2 -c50` against each in turn, ROUNDS times
# (default 5) for SECONDS each (default 5), and prints requests per second and the ratio
# local/bare of each round and their median. It also prints the servers' CPU time per
# request (the process's utime+stime over the requests wrk completed) and the ratio of
# those (bare/local): on a shared, overloaded machine, where throughput follows the
# scheduler more than the code, that is the steadier figure. Compare ratios, not
# absolute figures. LOG_LEVEL=warn measures with the request log off; PAIRSERVER=<binary>
# measures a pair server built elsewhere (say, from an older commit) instead of this tree's.
set -euo pipefail

rounds="${1:-5}"
seconds="${2:-5}"
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install -y wrk)" >&2; exit 127; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/slipway-bench.XXXXXX")"
pid=""
cleanup() {
	if [[ -n "${pid}" ]]; then kill "${pid}" 2>/dev/null || true; wait "${pid}" 2>/dev/null || true; fi
	rm -rf "${dir}"
}
trap cleanup EXIT

if [[ -n "${PAIRSERVER:-}" ]]; then cp "${PAIRSERVER}" "${dir}/pairserver"; else go build -o "${dir}/pairserver" ./bench/pairserver; fi
"${dir}/pairserver" >"${dir}/urls" 2>"${dir}/requests.log" &
pid=$!
for _ in $(seq 1 100); do
	grep -q '^TOKEN=' "${dir}/urls" 2>/dev/null && break
	kill -0 "${pid}" 2>/dev/null || { cat "${dir}/requests.log" >&2; exit 1; }
	sleep 0.1
done
# shellcheck disable=SC1091 # written just above
source "${dir}/urls"

clock_ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/${pid}/stat"; }

measure() { # URL → "requests/s cpu-µs/request"
	local before after out
	before="$(cpu_ticks)"
	out="$(wrk -t2 -c50 -d"${seconds}s" -H "Authorization: Bearer ${TOKEN}" "$1")"
	after="$(cpu_ticks)"
	if grep -q 'Non-2xx' <<<"${out}"; then
		echo "bench: non-2xx answers from $1" >&2
		exit 1
	fi
	awk -v t="$((after - before))" -v hz="${clock_ticks}" '
		/requests in/ {n = $1}
		/^Requests\/sec:/ {r = $2}
		END {printf "%s %.0f\n", r, t / hz * 1e6 / n}' <<<"${out}"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

measure "${APP_URL}" >/dev/null # warm both up
measure "${BARE_URL}" >/dev/null
ratios=()
cpu_ratios=()
for r in $(seq 1 "${rounds}"); do
	read -r app app_cpu <<<"$(measure "${APP_URL}")"
	read -r bare bare_cpu <<<"$(measure "${BARE_URL}")"
	ratio="$(awk -v a="${app}" -v b="${bare}" 'BEGIN {printf "%.3f", a / b}')"
	cpu_ratio="$(awk -v a="${app_cpu}" -v b="${bare_cpu}" 'BEGIN {printf "%.3f", b / a}')"
	ratios+=("${ratio}")
	cpu_ratios+=("${cpu_ratio}")
	printf 'round %d: local Get Application %6.0f req/s %5d cpu-µs/req, bare GetItem %6.0f req/s %5d cpu-µs/req; ratio %s, cpu ratio %s\n' \
		"${r}" "${app}" "${app_cpu}" "${bare}" "${bare_cpu}" "${ratio}" "${cpu_ratio}"
done
echo "median ratio: $(printf '%s\n' "${ratios[@]}" | median), median cpu ratio: $(printf '%s\n' "${cpu_ratios[@]}" | median) (request log lines: $(grep -c 'msg=request' "${dir}/requests.log" || true))"
