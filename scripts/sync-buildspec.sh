#!/usr/bin/env bash
# Usage: scripts/sync-buildspec.sh
#
# Copies infra/buildspec.yml into template.yaml as BuildProject's inline BuildSpec (the
# literal block after `BuildSpec: |`), so that the two stay byte for byte equal
# (`make config-lint` checks it). Run it after changing infra/buildspec.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - template.yaml infra/buildspec.yml <<'PY'
import re
import sys

template_path, buildspec_path = sys.argv[1], sys.argv[2]
lines = open(template_path, encoding="utf-8").read().split("\n")
buildspec = open(buildspec_path, encoding="utf-8").read()
if not buildspec.endswith("\n") or buildspec.endswith("\n\n"):
    sys.exit("sync-buildspec: infra/buildspec.yml must end with exactly one newline (a `|` block keeps one)")
if any(line != line.rstrip() for line in buildspec.split("\n")) or "\t" in buildspec:
    sys.exit("sync-buildspec: infra/buildspec.yml has trailing whitespace or tabs, which a YAML block cannot keep")

starts = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*BuildSpec: \|", line)]
if len(starts) != 1:
    sys.exit(f"sync-buildspec: expected one `BuildSpec: |` line in {template_path}, found {len(starts)}")
start = starts[0]
indent = len(lines[start]) - len(lines[start].lstrip()) + 2
end = start + 1  # first line after the block
while end < len(lines) and (lines[end].strip() == "" or len(lines[end]) - len(lines[end].lstrip()) >= indent):
    end += 1
while end > start + 1 and lines[end - 1].strip() == "":  # trailing blank lines belong after it
    end -= 1

block = [(" " * indent + line) if line else "" for line in buildspec.rstrip("\n").split("\n")]
lines[start + 1:end] = block
open(template_path, "w", encoding="utf-8").write("\n".join(lines))
PY
echo "sync-buildspec: template.yaml's BuildProject BuildSpec = infra/buildspec.yml"
