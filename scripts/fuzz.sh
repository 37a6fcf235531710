#!/usr/bin/env bash
# Usage: scripts/fuzz.sh   (make fuzz; FUZZTIME=15s by default)
#
# Runs every Go fuzz target of the module, one after the other, each alone for FUZZTIME:
#   go test -run='^$' -fuzz='^FuzzXxx$' -fuzztime=$FUZZTIME ./<package>
# Targets are discovered from the source (every `func FuzzXxx(` in a *_test.go file), so a
# new target runs without editing this script. Prints one summary line per target (package,
# target, executions, result) and fails when any target fails, showing its output and the
# path of the crasher go wrote (commit it as a regression seed once the bug is fixed).
#
# Environment:
#   FUZZTIME          how long each target fuzzes (go's -fuzztime): 15s, 1m, 10000x, ...
#   FUZZMINIMIZETIME  cap on minimizing each new input (go's -fuzzminimizetime; go's default
#                     of 60s would let one minimization eat a whole short run): 3s
#   FUZZ_ONLY         optional regexp: only targets whose "package target" matches
#   GO                the go command (go)
set -euo pipefail
cd "$(dirname "$0")/.."

GO="${GO:-go}"
FUZZTIME="${FUZZTIME:-15s}"
FUZZMINIMIZETIME="${FUZZMINIMIZETIME:-3s}"
FUZZ_ONLY="${FUZZ_ONLY:-}"

# Every "<package dir> <target>" pair, sorted. Directories go ignores (testdata, vendor,
# names starting with . or _) and tool installs are skipped.
targets=()
while IFS= read -r line; do
	targets+=("$line")
done < <(
	find . \( -name testdata -o -name vendor -o -name node_modules -o -name '.?*' -o -name '_*' \) \
		-prune -o -type f -name '*_test.go' -print |
		LC_ALL=C sort |
		while IFS= read -r file; do
			dir="$(dirname "$file")"
			sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file" | while IFS= read -r name; do
				printf '%s %s\n' "$dir" "$name"
			done
		done
)

if [[ -n "$FUZZ_ONLY" ]]; then
	selected=()
	for t in "${targets[@]}"; do
		if [[ "$t" =~ $FUZZ_ONLY ]]; then
			selected+=("$t")
		fi
	done
	targets=("${selected[@]+"${selected[@]}"}")
fi
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

echo "fuzz: ${#targets[@]} targets, ${FUZZTIME} each (minimize ${FUZZMINIMIZETIME})"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

# deadline_race LOG NAME: whether LOG is exactly go.dev/issue/75804 — the target's only
# failure line is "context deadline exceeded" and no failing input was written.
deadline_race() {
	local log="$1" name="$2"
	! grep -q 'Failing input written to' "$log" &&
		[[ "$(grep -c -- '--- FAIL' "$log" || true)" == 1 ]] &&
		grep -qE -- "^--- FAIL: ${name} \\(" "$log" &&
		[[ "$(sed -n "/^--- FAIL: ${name} (/{n;p;}" "$log")" =~ ^[[:space:]]+context\ deadline\ exceeded$ ]]
}

start=$SECONDS
summary=()
failed=0
flaked=0
for t in "${targets[@]}"; do
	dir="${t% *}"
	name="${t#* }"
	pkg="${dir#./}"
	log="$logs/${pkg//\//_}.$name.log"
	echo "fuzz: $pkg $name"
	t0=$SECONDS
	if "$GO" test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="$FUZZMINIMIZETIME" "$dir" >"$log" 2>&1; then
		result=ok
	elif deadline_race "$log" "$name"; then
		# Go <= 1.26's fuzzing coordinator can report its own -fuzztime deadline as a
		# failure (go.dev/issue/75804, fixed in Go 1.27): no input failed, none was written.
		result=ok
		flaked=$((flaked + 1))
		echo "fuzz: $pkg $name: 'context deadline exceeded' at the end of -fuzztime with no failing input (go.dev/issue/75804); counted as ok"
	else
		result=FAIL
		failed=$((failed + 1))
	fi
	# The last progress line's execution count ("execs: N").
	execs="$({ grep -oE 'execs: [0-9]+' "$log" || true; } | tail -n 1 | sed -E 's/execs: //')"
	execs="${execs:--}"
	summary+=("$(printf '%-44s %-28s %12s  %-4s %4ss' "$pkg" "$name" "$execs" "$result" "$((SECONDS - t0))")")
	if [[ "$result" == FAIL ]]; then
		echo "---- $pkg $name failed; its output:"
		cat "$log"
		crasher="$({ sed -nE 's/.*Failing input written to (testdata\/fuzz\/[^ ]+).*/\1/p' "$log" || true; } | tail -n 1)"
		if [[ -n "$crasher" ]]; then
			echo "---- new crasher: $pkg/$crasher"
			echo "     re-run: $GO test -run='^${name}/$(basename "$crasher")\$' ./$pkg"
			echo "     contents (first 40 lines, 400 characters each):"
			sed -n '1,40p' "$pkg/$crasher" | cut -c1-400 | sed 's/^/     /'
		fi
		echo "----"
	fi
done

echo
printf '%-44s %-28s %12s  %-4s %5s\n' package target execs res time
for line in "${summary[@]}"; do
	echo "$line"
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - start))s, $failed failed ($flaked deadline races of go.dev/issue/75804 ignored)"
if [[ $failed -gt 0 ]]; then
	exit 1
fi
