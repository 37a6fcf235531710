#!/usr/bin/env bash
# Usage: scripts/check-config.sh
#
# Keeps the hand-written configuration files in step with each other:
#   1. env.json's Parameters declare exactly the variables of template.yaml's Globals
#      (SAM silently ignores a key the template does not declare); other env.json sections
#      are function logical ids.
#   2. Route keys of the template's HttpApi events are unique and use ONE variable name per
#      path level (API Gateway answers a ConflictException otherwise).
#   3. openapi.yaml has exactly the template's routes (variables compared by position only:
#      the template says {ref} where the Go router and openapi.yaml say {application_id} or
#      {org_slug}).
#   4. Every events/**/*.json is an HTTP API payload 2.0 event whose routeKey is a template
#      route, whose rawPath matches that route (after a named stage's prefix) with exactly
#      the pathParameters API Gateway would fill in; and every template route has one.
# Needs jq and yq (the Python yq that wraps jq).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in jq yq; do
	command -v "$tool" >/dev/null 2>&1 || { echo "check-config: $tool not found" >&2; exit 127; }
done

fail=0
err() {
	echo "check-config: $*" >&2
	fail=1
}

tmpl="$(yq -c . template.yaml)"
api="$(yq -c . openapi.yaml)"

# ---------------------------------------------------------------- 1. env.json
globals="$(jq -c '.Globals.Function.Environment.Variables // {} | keys | sort' <<<"$tmpl")"
params="$(jq -c '.Parameters // {} | keys | sort' env.json)"
if [[ "$globals" != "$params" ]]; then
	err "env.json Parameters $params != template.yaml Globals.Function.Environment.Variables $globals"
fi
functions="$(jq -c '[.Resources | to_entries[] | select(.value.Type == "AWS::Serverless::Function") | .key]' <<<"$tmpl")"
while IFS= read -r section; do
	[[ -z "$section" ]] && continue
	err "env.json section \"$section\" is neither Parameters nor a function logical id of template.yaml"
done < <(jq -r --argjson fns "$functions" 'keys[] | select(. != "Parameters" and (. as $k | $fns | index($k) | not))' env.json)

# ---------------------------------------------------------------- 2. template routes
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
dups="$(uniq -d <<<"$route_keys")"
[[ -n "$dups" ]] && err "route keys declared more than once in template.yaml: $dups"

# Same parent (variables as {}) at the same level must use the same variable name.
conflicts="$(jq -Rnr '
  [inputs | select(. != "$default") | split(" ")[1] | ltrimstr("/") | split("/")] as $paths
  | [ $paths[] as $segs | range(0; $segs | length) as $i | select($segs[$i] | test("^\\{.+\\}$"))
      | {parent: ($segs[0:$i] | map(if test("^\\{.+\\}$") then "{}" else . end) | join("/")), name: $segs[$i]} ]
  | group_by(.parent)[] | select((map(.name) | unique | length) > 1)
  | "/\(.[0].parent)/ has variables \(map(.name) | unique | join(" and ")) at the same level"' <<<"$route_keys")"
[[ -n "$conflicts" ]] && err "route keys would be rejected by API Gateway (ConflictException): $conflicts"

# ---------------------------------------------------------------- 3. openapi.yaml
normalize='s/\{[^}]*\}/{}/g'
tmpl_ops="$(grep -vxF "\$default" <<<"$route_keys" | sed -E "$normalize" | sort -u)"
api_ops="$(jq -r '.paths | to_entries[] | .key as $p | .value | keys[]
  | select(IN("get","put","post","delete","patch","head","options","trace"))
  | "\(ascii_upcase) \($p)"' <<<"$api" | sed -E "$normalize" | sort -u)"
only_tmpl="$(comm -23 <(echo "$tmpl_ops") <(echo "$api_ops"))"
only_api="$(comm -13 <(echo "$tmpl_ops") <(echo "$api_ops"))"
[[ -n "$only_tmpl" ]] && err "routes in template.yaml but not in openapi.yaml: $(tr '\n' ';' <<<"$only_tmpl")"
[[ -n "$only_api" ]] && err "operations in openapi.yaml but not in template.yaml: $(tr '\n' ';' <<<"$only_api")"

# ---------------------------------------------------------------- 4. events/
covered=""
mapfile -t fixtures < <(find events -name '*.json' -type f | sort)
if [[ ${#fixtures[@]} -eq 0 ]]; then
	err "no invocation fixtures under events/"
fi
for f in "${fixtures[@]}"; do
	problems="$(jq -r --arg routes "$route_keys" '
	  def rx: ltrimstr("/") | split("/")
	    | map(if test("^\\{.+\\}$") then "(?<\(.[1:-1])>[^/]+)" else gsub("(?<c>[.+*?()\\[\\]{}|^$\\\\])"; "\\\(.c)") end)
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

if ((fail)); then
	exit 1
fi
echo "check-config: OK ($(wc -l <<<"$route_keys") routes, ${#fixtures[@]} fixtures, $(jq length <<<"$params") environment variables)"
