#!/usr/bin/env bash
# Usage: scripts/asl-lint.sh   (make asl-lint installs the validator first)
#
# Validates the definition of every AWS::Serverless::StateMachine of template.yaml with
# asl-validator (the npm package pinned in tools/asl/package-lock.json):
#   1. the file as committed. asl-validator accepts a "${Name}" placeholder where it expects an
#      ARN (Resource), so the definition passes as is;
#   2. a copy with the template's DefinitionSubstitutions applied, each value a fake but
#      well-formed Lambda function ARN (every substitution today is one), so the ARN check runs
#      on what Step Functions will really see. Before that: every "${Name}" of the file must be
#      a DefinitionSubstitutions key (CloudFormation would leave an unknown one as literal text)
#      and every key must be used.
# Needs node, yq (the Python yq that wraps jq) and jq.
set -euo pipefail
cd "$(dirname "$0")/.."

validator=tools/asl/node_modules/.bin/asl-validator
[[ -x "$validator" ]] || { echo "asl-lint: $validator not found: run \`make asl-lint\` (npm ci --prefix tools/asl)" >&2; exit 127; }

fake_arn() { printf 'arn:aws:lambda:us-east-1:123456789012:function:slipway-dev-%s' "$1"; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
machines=0
while IFS=$'\t' read -r id uri keys; do
	machines=$((machines + 1))
	if [[ ! -f "$uri" ]]; then
		echo "asl-lint: $id: DefinitionUri $uri is not a file" >&2
		fail=1
		continue
	fi
	"$validator" --json-path "$uri" || fail=1

	used="$(grep -o '\${[A-Za-z0-9_]*}' "$uri" | sed 's/^\${//; s/}$//' | sort -u || true)"
	declared="$(tr ',' '\n' <<<"$keys" | sed '/^$/d' | sort -u)"
	undeclared="$(comm -23 <(echo "$used") <(echo "$declared") | sed '/^$/d')"
	unused="$(comm -13 <(echo "$used") <(echo "$declared") | sed '/^$/d')"
	if [[ -n "$undeclared" ]]; then
		echo "asl-lint: $uri uses placeholders that $id's DefinitionSubstitutions does not declare: $(tr '\n' ' ' <<<"$undeclared")" >&2
		fail=1
	fi
	if [[ -n "$unused" ]]; then
		echo "asl-lint: $id declares DefinitionSubstitutions that $uri never uses: $(tr '\n' ' ' <<<"$unused")" >&2
		fail=1
	fi

	substituted="$tmp/$id.substituted.json"
	cp "$uri" "$substituted"
	while IFS= read -r key; do
		[[ -z "$key" ]] && continue
		sed -i "s|\${$key}|$(fake_arn "$key")|g" "$substituted"
	done <<<"$declared"
	"$validator" --json-path "$substituted" || fail=1
done < <(yq -r '
  .Resources | to_entries[] | select(.value.Type == "AWS::Serverless::StateMachine")
  | [.key, (.value.Properties.DefinitionUri // ""), ((.value.Properties.DefinitionSubstitutions // {}) | keys | join(","))]
  | @tsv' template.yaml)

if ((machines == 0)); then
	echo "asl-lint: template.yaml has no AWS::Serverless::StateMachine with a DefinitionUri" >&2
	exit 1
fi
if ((fail)); then
	exit 1
fi
echo "asl-lint: OK ($machines state machine(s), as committed and with their substitutions)"
