#!/usr/bin/env bash
# Usage: scripts/check-config.sh
#
# Keeps the hand-written configuration files in step with each other. (env.json against the
# template's Globals, route keys' variable names, and router <-> template <-> openapi.yaml are
# Go tests: contract_test.go.) Here:
#   1. Every events/**/*.json outside events/pipeline/ is an HTTP API payload 2.0 event whose
#      routeKey is a template route, whose rawPath matches that route (after a named stage's
#      prefix) with exactly the pathParameters API Gateway would fill in (a greedy {name+}
#      spans one or more levels and fills in "name"); and every template route has one.
#   2. The fixtures of POST /webhooks/github carry an X-Hub-Signature-256 that is the
#      HMAC-SHA256 of their exact body under env.json's SLIPWAY_GITHUB_WEBHOOK_SECRET, except
#      bad-signature*.json, whose well-formed signature must NOT verify.
#   3. events/pipeline/*.json are direct PipelineFunction payloads: step invocations
#      {"step", "run"} whose step values are exactly the Step* constants of
#      internal/pipeline/steps.go and whose run fields are Run's JSON fields (those without
#      omitempty all present), and Step Functions "Execution Status Change" events that the
#      template's EventBridgeRule matches, whose detail.input is a Run named by detail.name.
#   4. BuildProject's inline BuildSpec in template.yaml is infra/buildspec.yml byte for byte
#      (after YAML parsing; scripts/sync-buildspec.sh copies the file in).
# Needs jq, yq (the Python yq that wraps jq) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in jq yq python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "check-config: $tool not found" >&2; exit 127; }
done

fail=0
err() {
	echo "check-config: $*" >&2
	fail=1
}

tmpl="$(yq -c . template.yaml)"

# ---------------------------------------------------------------- template routes
# One line per route: "<function> <METHOD> <path>" (the $default route: "<function> $default").
routes="$(jq -r '
  .Resources | to_entries[] | select(.value.Type == "AWS::Serverless::Function") | .key as $fn
  | (.value.Properties.Events // {}) | to_entries[] | select(.value.Type == "HttpApi") | .value.Properties
  | if .Path == "$default" then "\($fn) $default"
    else "\($fn) \((.Method // "ANY") | ascii_upcase) \(.Path)" end' <<<"$tmpl")"
if [[ -z "$routes" ]]; then
	err "template.yaml has no HttpApi events"
fi
route_keys="$(cut -d' ' -f2- <<<"$routes" | sort)"

# ---------------------------------------------------------------- 1. events/
covered=""
mapfile -t fixtures < <(find events -name '*.json' -type f -not -path 'events/pipeline/*' | sort)
if [[ ${#fixtures[@]} -eq 0 ]]; then
	err "no HTTP API fixtures under events/"
fi
for f in "${fixtures[@]}"; do
	problems="$(jq -r --arg routes "$route_keys" '
	  def rx: ltrimstr("/") | split("/")
	    | map(if test("^\\{.+\\+\\}$") then "(?<\(.[1:-2])>.+)"
	          elif test("^\\{.+\\}$") then "(?<\(.[1:-1])>[^/]+)" else gsub("(?<c>[.+*?()\\[\\]{}|^$\\\\])"; "\\\(.c)") end)
	    | "^/" + join("/") + "$";
	  . as $e
	  | ($routes | split("\n")) as $known
	  | [
	      (if .version != "2.0" then "version is not \"2.0\"" else empty end),
	      (if (.routeKey | type) != "string" then "no routeKey" else empty end),
	      (if ($known | index($e.routeKey)) == null then "routeKey \(.routeKey) is not a route of template.yaml" else empty end),
	      (if .requestContext.routeKey != .routeKey then "requestContext.routeKey differs from routeKey" else empty end),
	      (if .requestContext.http.path != .rawPath then "requestContext.http.path differs from rawPath" else empty end),
	      (if (.requestContext.stage | type) != "string" then "no requestContext.stage" else empty end),
	      (if (.requestContext.requestId | type) != "string" then "no requestContext.requestId" else empty end),
	      (if (.requestContext.http.sourceIp | type) != "string" then "no requestContext.http.sourceIp" else empty end),
	      (if (.rawQueryString | type) != "string" then "no rawQueryString" else empty end),
	      (if (.isBase64Encoded | type) != "boolean" then "isBase64Encoded is not a boolean" else empty end),
	      (if ((.headers // {}) | keys | map(select(. != ascii_downcase)) | length) > 0 then "header names are not lower-case" else empty end),
	      (if (.body != null) and ((.headers // {})["content-type"] == null) then "a body without a content-type header" else empty end),
	      (if .routeKey == "$default" then empty
	       else
	         (.routeKey | split(" ")) as [$method, $route]
	         | (if .requestContext.http.method != $method then "requestContext.http.method \(.requestContext.http.method) does not match routeKey" else empty end),
	           ( (if .requestContext.stage == "$default" then .rawPath
	              else (.rawPath | ltrimstr("/" + $e.requestContext.stage)) end) as $path
	             | ($route | rx) as $re
	             | if ($path | test($re)) | not then "rawPath \(.rawPath) does not match \($route) on stage \(.requestContext.stage)"
	               else ($path | capture($re)) as $want
	                 | if ($want | length) == 0 and .pathParameters != null then "pathParameters given for a route without variables"
	                   elif ($want | length) > 0 and .pathParameters != $want then "pathParameters \(.pathParameters | tojson) != \($want | tojson)"
	                   else empty end
	               end )
	       end)
	    ] | .[]' "$f" 2>&1)" || problems="not valid JSON: $problems"
	if [[ -n "$problems" ]]; then
		while IFS= read -r p; do err "$f: $p"; done <<<"$problems"
	fi
	covered+="$(jq -r '.routeKey // empty' "$f" 2>/dev/null || true)"$'\n'
done
while IFS= read -r rk; do
	[[ -z "$rk" || "$rk" == "\$default" ]] && continue
	grep -qxF -- "$rk" <<<"$covered" || err "no fixture under events/ for route $rk"
done <<<"$route_keys"

# ---------------------------------------------------------------- 2. webhook signatures
webhook_secret="$(jq -r '.Parameters.SLIPWAY_GITHUB_WEBHOOK_SECRET // ""' env.json)"
webhook_fixtures=()
for f in "${fixtures[@]}"; do
	[[ "$(jq -r '.routeKey // ""' "$f" 2>/dev/null)" == "POST /webhooks/github" ]] && webhook_fixtures+=("$f")
done
if ((${#webhook_fixtures[@]} > 0)); then
	if [[ -z "$webhook_secret" ]]; then
		err "env.json sets no SLIPWAY_GITHUB_WEBHOOK_SECRET to check the webhook fixtures' signatures with"
	else
		while IFS= read -r p; do
			[[ -n "$p" ]] && err "$p"
		done < <(SECRET="$webhook_secret" python3 - "${webhook_fixtures[@]}" <<'PY'
import base64, hashlib, hmac, json, os, re, sys

secret = os.environ["SECRET"].encode()
for path in sys.argv[1:]:
    event = json.load(open(path))
    body = (event.get("body") or "").encode()
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    header = (event.get("headers") or {}).get("x-hub-signature-256", "")
    bad = os.path.basename(path).startswith("bad-signature")
    if not re.fullmatch(r"sha256=[0-9a-f]{64}", header):
        print(f"{path}: x-hub-signature-256 is not sha256=<64 lower-case hex digits>")
        continue
    good = hmac.compare_digest(header, "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest())
    if bad and good:
        print(f"{path}: its signature verifies with env.json's SLIPWAY_GITHUB_WEBHOOK_SECRET, but a bad-signature fixture must not")
    elif not bad and not good:
        print(f"{path}: x-hub-signature-256 is not the HMAC-SHA256 of the body under env.json's SLIPWAY_GITHUB_WEBHOOK_SECRET")
PY
		)
	fi
fi

# ---------------------------------------------------------------- 3. events/pipeline/
steps_go="internal/pipeline/steps.go"
step_names="$(sed -nE 's/^[[:space:]]*Step[A-Za-z0-9]*[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "$steps_go" | sort -u)"
# Run's JSON fields, "name" or "name,omitempty", from `type Run struct { ... }`.
run_tags="$(awk '/^type Run struct/ {in_run = 1; next} in_run && /^}/ {in_run = 0} in_run' "$steps_go" |
	sed -nE 's/.*json:"([^"]+)".*/\1/p')"
[[ -z "$step_names" ]] && err "no Step* = \"...\" constants found in $steps_go"
[[ -z "$run_tags" ]] && err "no JSON fields of type Run found in $steps_go"
run_fields="$(cut -d, -f1 <<<"$run_tags" | jq -Rsc 'split("\n") | map(select(. != ""))')"
run_required="$(grep -v ',omitempty' <<<"$run_tags" | cut -d, -f1 | jq -Rsc 'split("\n") | map(select(. != ""))')"
rule_pattern="$(jq -c '[.Resources.PipelineFunction.Properties.Events // {} | to_entries[]
  | select(.value.Type == "EventBridgeRule") | .value.Properties.Pattern][0] // null' <<<"$tmpl")"
[[ "$rule_pattern" == "null" ]] && err "PipelineFunction has no EventBridgeRule event"

mapfile -t pipeline_fixtures < <(find events/pipeline -name '*.json' -type f 2>/dev/null | sort)
used_steps=""
status_events=0
for f in "${pipeline_fixtures[@]}"; do
	problems="$(jq -r --argjson fields "$run_fields" --argjson required "$run_required" --argjson rule "$rule_pattern" '
	  def uuid: type == "string" and test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
	  def run_problems($where):
	    if type != "object" then "\($where) is not an object"
	    else
	      ((keys - $fields)[] | "\($where) has \(.), which is not a JSON field of pipeline.Run"),
	      (($required - keys)[] | "\($where) lacks \(.) (a field without omitempty is always present)"),
	      (if (.application_id | uuid) and (.image_id | uuid) then empty else "\($where).application_id and .image_id must be UUIDs" end)
	    end;
	  if has("step") then
	    (if (keys != ["run", "step"]) then "a step invocation has exactly the fields step and run, not \(keys)" else empty end),
	    (if (.step | type) != "string" then "step is not a string" else empty end),
	    (.run | run_problems("run"))
	  elif .source == "aws.states" then
	    . as $e
	    | (if ($rule.source // []) | index($e.source) == null then "source \($e.source) is not the rule pattern'"'"'s \($rule.source)" else empty end),
	      (if ($rule["detail-type"] // []) | index($e["detail-type"]) == null then "detail-type \($e["detail-type"]) is not the rule pattern'"'"'s" else empty end),
	      (if ($rule.detail.status // []) | index($e.detail.status) == null then "detail.status \($e.detail.status) is not one of the rule pattern'"'"'s \($rule.detail.status)" else empty end),
	      (if ($e.detail.stateMachineArn | type) != "string" or ($e.detail.stateMachineArn | test("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$") | not)
	       then "detail.stateMachineArn is not a state machine ARN" else empty end),
	      (if ($e.detail.input | type) != "string" then "detail.input is not a string (the execution input, JSON-encoded)"
	       else ($e.detail.input | try fromjson catch "not JSON") as $in
	         | if $in == "not JSON" then "detail.input is not JSON"
	           else ($in | run_problems("detail.input")),
	                (if $e.detail.name != $in.image_id then "detail.name (the execution name) is not the run'"'"'s image_id" else empty end)
	           end
	       end)
	  else "neither a step invocation ({\"step\", \"run\"}) nor a Step Functions execution status event"
	  end' "$f" 2>&1)" || problems="not valid JSON: $problems"
	if [[ -n "$problems" ]]; then
		while IFS= read -r p; do err "$f: $p"; done <<<"$problems"
	fi
	used_steps+="$(jq -r '.step // empty' "$f" 2>/dev/null || true)"$'\n'
	[[ "$(jq -r '.source // ""' "$f" 2>/dev/null)" == "aws.states" ]] && status_events=$((status_events + 1))
done
used_steps="$(sed '/^$/d' <<<"$used_steps" | sort -u)"
unknown_steps="$(comm -13 <(echo "$step_names") <(echo "$used_steps") | sed '/^$/d')"
missing_steps="$(comm -23 <(echo "$step_names") <(echo "$used_steps") | sed '/^$/d')"
[[ -n "$unknown_steps" ]] && err "events/pipeline/ uses steps that $steps_go does not define: $(tr '\n' ' ' <<<"$unknown_steps")"
[[ -n "$missing_steps" ]] && err "steps of $steps_go without a fixture in events/pipeline/: $(tr '\n' ' ' <<<"$missing_steps")"
((status_events == 0)) && err "events/pipeline/ has no Step Functions execution status event fixture"

# ---------------------------------------------------------------- 4. inline buildspec
if [[ "$(jq -r '.Resources.BuildProject.Properties.Source.BuildSpec | type' <<<"$tmpl")" != "string" ]]; then
	err "template.yaml's BuildProject has no inline Source.BuildSpec"
elif ! cmp -s <(jq -j '.Resources.BuildProject.Properties.Source.BuildSpec' <<<"$tmpl") infra/buildspec.yml; then
	err "BuildProject's inline BuildSpec in template.yaml differs from infra/buildspec.yml (run scripts/sync-buildspec.sh)"
fi

if ((fail)); then
	exit 1
fi
echo "check-config: OK ($(wc -l <<<"$route_keys") routes, ${#fixtures[@]} HTTP fixtures (${#webhook_fixtures[@]} signed webhooks), ${#pipeline_fixtures[@]} pipeline fixtures ($(wc -l <<<"$step_names") steps), inline buildspec in step)"
