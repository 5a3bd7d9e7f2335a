#!/usr/bin/env bash
# shiplog-gate.sh: a pipeline's way through Shiplog, for any CI system (bash, curl and jq).
#
# Records the build (and the migration task's outcome), requests the deploy, waits for the
# gate printing who may still approve, and then either stops (the gate is open; the deploy id
# is printed on stdout) or, given a deploy command after --, records the start, runs it and
# records how it went.
#
#   SHIPLOG_URL=https://shiplog.example.com SHIPLOG_TOKEN=shiplog_… \
#   deploy/scripts/shiplog-gate.sh --service web --env prod --version 1.4.2 \
#       --artifact sha256:… [--commit SHA] [--task-definition ARN] [--reason TEXT] \
#       [--migration NAME --checksum HEX [--migration-failed [--migration-error TEXT]]] \
#       [--timeout 1800] [--interval 10] [-- ./deploy.sh web 1.4.2]
#
# Exit status: 0 done (the gate opened; with a deploy command, it succeeded); 1 refused by
# the ledger, the migration failed (recorded, and no deploy requested), or the deploy command
# failed (recorded); 3 the gate was still closed at
# --timeout (its reasons printed); 64 wrong usage; 69 the server cannot be reached.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 64
}

fail() {
    local status=$1
    shift
    echo "shiplog-gate: $*" >&2
    exit "$status"
}

service="" env="" version="" artifact="" commit="" task_definition="" reason=""
migration="" checksum="" migration_failed=false migration_error=""
timeout=1800 interval=10
deploy_command=()

while [ $# -gt 0 ]; do
    case "$1" in
        --service) service=${2:-}; shift 2 ;;
        --env) env=${2:-}; shift 2 ;;
        --version) version=${2:-}; shift 2 ;;
        --artifact) artifact=${2:-}; shift 2 ;;
        --commit) commit=${2:-}; shift 2 ;;
        --task-definition) task_definition=${2:-}; shift 2 ;;
        --reason) reason=${2:-}; shift 2 ;;
        --migration) migration=${2:-}; shift 2 ;;
        --checksum) checksum=${2:-}; shift 2 ;;
        --migration-failed) migration_failed=true; shift ;;
        --migration-error) migration_error=${2:-}; shift 2 ;;
        --timeout) timeout=${2:-}; shift 2 ;;
        --interval) interval=${2:-}; shift 2 ;;
        --) shift; deploy_command=("$@"); break ;;
        -h | --help) usage ;;
        *) fail 64 "unknown option '$1' (see --help)" ;;
    esac
done

[ -n "${SHIPLOG_URL:-}" ] || fail 64 "set SHIPLOG_URL to the Shiplog server's address (https://…)"
[ -n "${SHIPLOG_TOKEN:-}" ] || fail 64 "set SHIPLOG_TOKEN to an API token (an admin creates one with: shiplog tokens create NAME)"
for required in service env version artifact; do
    [ -n "${!required}" ] || fail 64 "--${required} is required (see --help)"
done
[[ "$timeout" =~ ^[0-9]+$ ]] || fail 64 "--timeout takes whole seconds; got '$timeout'"
[[ "$interval" =~ ^[1-9][0-9]*$ ]] || fail 64 "--interval takes whole seconds (at least 1); got '$interval'"
if [ -n "$migration" ] && [ -z "$checksum" ]; then fail 64 "--migration needs --checksum"; fi
command -v jq >/dev/null || fail 64 "jq is needed: install it (apt-get install jq)"

base=${SHIPLOG_URL%/}
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

# call METHOD PATH [JSON]: prints the answer's body; returns 0 for 2xx, else prints the
# server's error and exits with the status its kind calls for.
call() {
    local method=$1 path=$2 data=${3:-} status
    local arguments=(--silent --show-error --max-time 30 --retry 3 --retry-connrefused
        -X "$method" -H "Authorization: Bearer ${SHIPLOG_TOKEN}" -H "Accept: application/json"
        -o "$body_file" -w '%{http_code}')
    if [ -n "$data" ]; then arguments+=(-H "Content-Type: application/json" --data-binary "$data"); fi
    if ! status=$(curl "${arguments[@]}" "$base$path" 2>/dev/null); then
        fail 69 "cannot reach the Shiplog server at $base: check SHIPLOG_URL and that shiplog serve runs there"
    fi
    if [ "${status:0:1}" = "2" ]; then
        cat "$body_file"
        return 0
    fi
    local code message
    code=$(jq -r '.error.code // empty' "$body_file" 2>/dev/null || true)
    message=$(jq -r '.error.message // empty' "$body_file" 2>/dev/null || true)
    [ -n "$message" ] || message="HTTP $status without a Shiplog error: is SHIPLOG_URL a Shiplog server?"
    case "$status" in
        401 | 403) fail 1 "$message" ;;
        422) [ "$code" = "gateClosed" ] && fail 3 "$message"; fail 1 "$message" ;;
        5*) fail 69 "$message" ;;
        *) fail 1 "$message" ;;
    esac
}

build=$(jq -cn --arg service "$service" --arg version "$version" --arg artifact "$artifact" \
    --arg commit "$commit" --arg taskDefinition "$task_definition" \
    '{service: $service, version: $version, artifact: $artifact}
     + (if $commit == "" then {} else {commit: $commit} end)
     + (if $taskDefinition == "" then {} else {taskDefinition: $taskDefinition} end)')
call POST /v1/builds "$build" >/dev/null
echo "shiplog-gate: recorded build $service $version ($artifact)" >&2

if [ -n "$migration" ]; then
    record=$(jq -cn --arg environment "$env" --arg name "$migration" --arg checksum "$checksum" \
        --arg service "$service" --argjson failed "$migration_failed" --arg error "$migration_error" \
        '{environment: $environment, name: $name, checksum: $checksum, service: $service, failed: $failed}
         + (if $error == "" then {} else {error: $error} end)')
    call POST /v1/migrations "$record" >/dev/null
    if [ "$migration_failed" = true ]; then
        fail 1 "migration $migration failed on $env (recorded): the deploy of $service $version is not requested; fix the migration and run the pipeline again"
    else
        echo "shiplog-gate: recorded migration $migration on $env" >&2
    fi
fi

request=$(jq -cn --arg service "$service" --arg environment "$env" --arg version "$version" \
    --arg artifact "$artifact" --arg reason "$reason" \
    '{service: $service, environment: $environment, version: $version, artifact: $artifact}
     + (if $reason == "" then {} else {reason: $reason} end)')
id=$(call POST /v1/deploys "$request" | jq -r '.id')
echo "shiplog-gate: requested $id: $service $version to $env" >&2

# Wait for the gate, saying what it waits for whenever that changes.
deadline=$(($(date +%s) + timeout))
said=""
while true; do
    gate=$(call GET "/v1/deploys/$id/gate")
    status=$(jq -r '.status' <<<"$gate")
    [ "$status" = "requested" ] || fail 1 "deploy $id is $status: there is no gate left to wait for"
    if [ "$(jq -r '.allowed' <<<"$gate")" = "true" ]; then
        echo "shiplog-gate: gate open: $(jq -r '"\(.approvals) of \(.required) approvals (\(.approvedBy | join(", ")))"' <<<"$gate")" >&2
        break
    fi
    line=$(jq -r '"waiting: " + (.reasons | join("; ")) + (if (.mayApprove | length) > 0 then " — may approve: " + (.mayApprove | join(", ")) else "" end)' <<<"$gate")
    if [ "$line" != "$said" ]; then
        echo "shiplog-gate: $id $line" >&2
        said=$line
    fi
    if [ $(($(date +%s) + interval)) -ge "$deadline" ]; then
        echo "shiplog-gate: gate still closed after ${timeout}s:" >&2
        jq -r '.reasons[] | "  - " + .' <<<"$gate" >&2
        exit 3
    fi
    sleep "$interval"
done

if [ ${#deploy_command[@]} -eq 0 ]; then
    echo "$id"
    exit 0
fi

call POST "/v1/deploys/$id/start" >/dev/null
echo "shiplog-gate: started $id; running: ${deploy_command[*]}" >&2
set +e
"${deploy_command[@]}"
outcome=$?
set -e
if [ "$outcome" -eq 0 ]; then
    call POST "/v1/deploys/$id/succeed" >/dev/null
    echo "shiplog-gate: recorded $id succeeded" >&2
    echo "$id"
    exit 0
fi
call POST "/v1/deploys/$id/fail" "$(jq -cn --arg reason "the deploy command exited with status $outcome" '{reason: $reason}')" >/dev/null
fail 1 "the deploy command exited with status $outcome: recorded $id as failed"
