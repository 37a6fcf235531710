#!/usr/bin/env bash
# The dashboard's chart library, uPlot, is vendored on purpose into web/assets/vendor/ (the
# binary embeds it; nothing is fetched at run time). Its version and integrity are pinned by
# web/e2e/package.json and package-lock.json (npm ci verifies the tarball's sha512).
#
#   scripts/vendor-uplot.sh          copy the pinned files into web/assets/vendor/ (after a bump:
#                                     npm install --prefix web/e2e uplot@X.Y.Z, then this)
#   scripts/vendor-uplot.sh --check  fail when the vendored files differ from the pinned package
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=web/e2e/node_modules/uplot
dest=web/assets/vendor
files=(dist/uPlot.iife.min.js:uPlot.iife.min.js dist/uPlot.min.css:uPlot.min.css LICENSE:uPlot.LICENSE)

if [[ ! -f $pkg/package.json ]]; then
	npm ci --prefix web/e2e --no-audit --no-fund --ignore-scripts >/dev/null
fi
locked="$(node -p 'require("./web/e2e/package-lock.json").packages["node_modules/uplot"].version')"
installed="$(node -p 'require("./'$pkg'/package.json").version')"
if [[ $locked != "$installed" ]]; then
	echo "vendor-uplot: web/e2e has uplot $installed installed, the lock pins $locked: run npm ci --prefix web/e2e" >&2
	exit 1
fi

status=0
for pair in "${files[@]}"; do
	src="$pkg/${pair%%:*}" dst="$dest/${pair##*:}"
	if [[ ${1:-} == --check ]]; then
		if ! cmp -s "$src" "$dst"; then
			echo "vendor-uplot: $dst differs from uplot $locked's ${pair%%:*} (refresh: scripts/vendor-uplot.sh)" >&2
			status=1
		fi
	else
		mkdir -p "$dest"
		cp "$src" "$dst"
	fi
done
if [[ ${1:-} == --check && $status == 0 ]]; then
	echo "vendor-uplot: web/assets/vendor matches uplot $locked (package-lock integrity verified by npm ci)"
fi
exit $status
