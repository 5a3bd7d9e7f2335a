#!/usr/bin/env bash
# The main job on the embedded default: with no DATABASE_URL, Shiplog starts its own
# PostgreSQL in $SHIPLOG_HOME (default ~/.local/share/shiplog). The first run sets up a
# ledger (admin key, policies, three approvers); every run then records a build and takes
# a production deploy through the gate, and shows the story: status, history, the deploy's
# timeline, metrics, and a verified hash chain.
set -euo pipefail
cd "$(dirname "$0")/.."
shiplog="$PWD/.build/release/shiplog"
unset DATABASE_URL
home="${SHIPLOG_HOME:-$HOME/.local/share/shiplog}"
keys="$home/demo-keys"
mkdir -p "$keys"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
public_key() { "$shiplog" keys show --key "$keys/$1.key" | awk '/^public key:/ { print $3 }'; }

if [ ! -f "$keys/admin.key" ]; then
    say "first run: a new ledger on the embedded PostgreSQL in $home"
    for person in admin alice bob carol ci; do "$shiplog" keys generate --out "$keys/$person.key" >/dev/null; done
    "$shiplog" init --key "$keys/admin.key"
    "$shiplog" policy set --env staging --approvals 1 --key "$keys/admin.key"
    "$shiplog" policy set --env prod --approvals 2 --ttl 1h --key "$keys/admin.key"
    for person in alice bob carol; do
        "$shiplog" approvers add "$person" --public-key "$(public_key "$person")" --env staging,prod --key "$keys/admin.key"
    done
    "$shiplog" approvers add ci --public-key "$(public_key ci)" --ci --key "$keys/admin.key"
fi

version="1.4.$(date +%s)"
artifact="sha256:$(head -c 64 /dev/urandom | sha256sum | cut -c1-64)"
say "CI records build web $version"
"$shiplog" build record --service web --version "$version" --artifact "$artifact" --commit "$(git rev-parse --short HEAD 2>/dev/null || echo local)" --key "$keys/ci.key"

say "carol requests web $version to prod (policy: 2 approvals)"
deploy=$("$shiplog" deploy request --service web --env prod --version "$version" --reason "weekly release" --key "$keys/carol.key")
echo "deploy $deploy"
say "carol, the requester, tries to approve her own deploy: refused, nothing written"
"$shiplog" deploy approve "$deploy" --key "$keys/carol.key" || echo "(exit $?)"
"$shiplog" deploy approve "$deploy" --key "$keys/alice.key"
say "the gate after alice approved: closed, exit 3"
"$shiplog" deploy gate "$deploy" || echo "(exit $?)"
"$shiplog" deploy approve "$deploy" --key "$keys/bob.key"
say "the gate after bob approved"
"$shiplog" deploy gate "$deploy"
"$shiplog" deploy start "$deploy" --key "$keys/ci.key"
"$shiplog" deploy succeed "$deploy" --key "$keys/ci.key"

say "shiplog status --env prod";         "$shiplog" status --env prod
say "shiplog history --limit 5";         "$shiplog" history --limit 5
say "shiplog show $deploy";              "$shiplog" show "$deploy"
say "shiplog metrics";                   "$shiplog" metrics
say "shiplog verify (the chain, and every command's signature and authority)"; "$shiplog" verify
# Audit evidence: a checkpoint signed with the enrolled checkpoint key, cosigned by a witness
# running on its own, published to a directory; the deploy's receipt checked offline.
if [ ! -f "$keys/checkpoint.key" ]; then
    say "first audit run: the checkpoint key (enrolled by the admin) and a witness key"
    "$shiplog" keys generate --out "$keys/checkpoint.key" >/dev/null
    "$shiplog" keys generate --out "$keys/witness.key" >/dev/null
    "$shiplog" checkpoint enroll --checkpoint-key "$keys/checkpoint.key" --key "$keys/admin.key"
fi
ledger_key=$("$shiplog" checkpoint verifier-key --checkpoint-key "$keys/checkpoint.key")
witness_key=$("$shiplog" witness verifier-key --key "$keys/witness.key")
witness_port=$((20000 + RANDOM % 20000))
"$shiplog" witness serve --key "$keys/witness.key" --log "$ledger_key" --state "$home/witness-state.json" --port "$witness_port" >/dev/null 2>&1 &
witness_pid=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$witness_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
say "shiplog checkpoint (signed, cosigned by the witness, published to $home/checkpoints)"
"$shiplog" checkpoint --checkpoint-key "$keys/checkpoint.key" --publish "$home/checkpoints" --witness "http://127.0.0.1:$witness_port,$witness_key"
kill "$witness_pid" 2>/dev/null || true
say "shiplog receipt $deploy, then receipt verify: offline, with only the public keys"
"$shiplog" receipt "$deploy" --out "$home/receipt-$deploy.json"
"$shiplog" receipt verify "$home/receipt-$deploy.json" --ledger-key "$ledger_key" --witness-key "$witness_key"
# The Slack path: the server, with requests signed exactly as Slack signs them, and a local
# stand-in for Slack that prints what the bot posts.
if [ ! -f "$keys/slack-bot.key" ]; then
    say "first Slack run: the bot key, and people mapped to Slack users"
    for person in slack-bot dave erin frank grace; do "$shiplog" keys generate --out "$keys/$person.key" >/dev/null; done
    "$shiplog" approvers add slack-bot --public-key "$(public_key slack-bot)" --slack-bot --key "$keys/admin.key"
    "$shiplog" approvers add dave --public-key "$(public_key dave)" --slack-user U0DAVE --env staging --key "$keys/admin.key"
    for person in erin frank grace; do
        upper=$(echo "$person" | tr a-z A-Z)
        "$shiplog" approvers add "$person" --public-key "$(public_key "$person")" --slack-user "U0$upper" --env staging,prod --key "$keys/admin.key"
    done
fi
work=$(mktemp -d)
python3 scripts/slack-standin.py "$work/slack.port" "$work/slack.log" & standin=$!
for _ in $(seq 50); do [ -s "$work/slack.port" ] && break; sleep 0.1; done
slack="http://127.0.0.1:$(cat "$work/slack.port")"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret="demo-signing-secret"
# The script reads each answer from the HTTP response, so it lets the server take up to 2.5 s
# to answer there (the default, 20 ms, sends slower answers to the command's response_url).
SHIPLOG_SLACK_ANSWER_MS=2500 SLACK_SIGNING_SECRET="$secret" SHIPLOG_BOT_KEY="$keys/slack-bot.key" SLACK_BOT_TOKEN="xoxb-demo" \
    SLACK_API_URL="$slack/api" SHIPLOG_SLACK_CHANNEL="C0DEMO" "$shiplog" serve --port "$port" >"$work/server.log" 2>&1 & server=$!
trap 'kill $server $standin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
send() { python3 scripts/slack-send.py "http://127.0.0.1:$port" "$secret" "$@"; }

slack_version="1.5.$(date +%s)"
"$shiplog" build record --service web --version "$slack_version" --artifact "sha256:$(head -c 64 /dev/urandom | sha256sum | cut -c1-64)" --key "$keys/ci.key"
say "shiplog serve on port $port; erin types: /shiplog deploy web $slack_version to prod from Slack"
reply=$(send command U0ERIN "deploy web $slack_version to prod from Slack")
echo "$reply"
slack_deploy=$(echo "$reply" | grep -o 'd-[a-z0-9]*' | head -n 1)
say "erin presses Approve on her own request; dave (staging only) presses Approve"
send press U0ERIN approve "$slack_deploy" "$slack/respond"
send press U0DAVE approve "$slack_deploy" "$slack/respond"
say "frank and grace press Approve"
send press U0FRANK approve "$slack_deploy" "$slack/respond"
send press U0GRACE approve "$slack_deploy" "$slack/respond"
say "a request that is not signed by Slack: refused"
curl -s -o /dev/null -w 'HTTP %{http_code}\n' -X POST --data 'text=unlock+prod&user_id=U0ERIN' "http://127.0.0.1:$port/slack/commands"
sleep 1
say "what the bot sent to Slack (the stand-in's record)"
cat "$work/slack.log"
say "shiplog deploy gate $slack_deploy";  "$shiplog" deploy gate "$slack_deploy"
say "shiplog history --actor frank";     "$shiplog" history --actor frank --limit 3
say "shiplog audit --actor dave (his refused press is on the record)"; "$shiplog" audit --actor dave --limit 2
kill -TERM "$server"; wait "$server" 2>/dev/null || true

# The AWS path: moto_server stands in for ECS and SNS. Two deploys of api run on ECS through
# Shiplog; a CloudWatch alarm published to the SNS topic the server listens to rolls the
# second back, locks the service, and tells Slack.
moto_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto="http://127.0.0.1:$moto_port"
MOTO_ECS_SERVICE_RUNNING=1 moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 & motopid=$!
trap 'kill $server $standin $motopid ${aws_server:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS "$moto/moto-api/" >/dev/null 2>&1 && break; sleep 0.1; done
family="api-$(date +%s)"
topic=$(python3 scripts/moto-demo.py "$moto" setup "$family")
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 SHIPLOG_AWS_ENDPOINT="$moto"
say "ECS (moto): service api runs $(python3 scripts/moto-demo.py "$moto" running); the admin sets its target and alarm"
"$shiplog" target set --env prod --service api --ecs-cluster demo --ecs-service api --alarm prod-api-5xx --watch 30m --auto-rollback --key "$keys/admin.key"
"$shiplog" target list --env prod
api_deploy=""
for revision in 1 2; do
    api_version="2.$revision.$(date +%s)"
    "$shiplog" build record --service api --version "$api_version" --artifact "sha256:$(head -c 64 /dev/urandom | sha256sum | cut -c1-64)" --task-definition "$family:$revision" --key "$keys/ci.key"
    api_deploy=$("$shiplog" deploy request --service api --env prod --version "$api_version" --key "$keys/carol.key")
    "$shiplog" deploy approve "$api_deploy" --key "$keys/alice.key"
    "$shiplog" deploy approve "$api_deploy" --key "$keys/bob.key"
    say "shiplog deploy run $api_deploy (api $api_version: $family:$revision)"
    "$shiplog" deploy run "$api_deploy" --poll 1 --key "$keys/ci.key"
done
aws_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SHIPLOG_BOT_KEY="$keys/slack-bot.key" SHIPLOG_SNS_TOPIC_ARNS="$topic" SLACK_BOT_TOKEN="xoxb-demo" \
    SLACK_API_URL="$slack/api" SHIPLOG_SLACK_CHANNEL="C0DEMO" "$shiplog" serve --port "$aws_port" >"$work/aws-server.log" 2>&1 & aws_server=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$aws_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 scripts/moto-demo.py "$moto" subscribe "$topic" "http://127.0.0.1:$aws_port/hooks/sns"
: >"$work/slack.log"
say "CloudWatch alarm prod-api-5xx fires; SNS (moto) posts it to shiplog serve's /hooks/sns"
python3 scripts/moto-demo.py "$moto" alarm "$topic" prod-api-5xx
for _ in $(seq 100); do "$shiplog" show "$api_deploy" --json | grep -q '"lock"' && break; sleep 0.2; done
say "ECS (moto) runs $(python3 scripts/moto-demo.py "$moto" running) again; shiplog show $api_deploy"
"$shiplog" show "$api_deploy"
sleep 1
say "what the bot told Slack"; cat "$work/slack.log"
say "the admin lifts the lock, deliberately"
"$shiplog" unlock --env prod --service api --reason "5xx fixed; rolled forward later" --key "$keys/admin.key"
kill -TERM "$aws_server"; wait "$aws_server" 2>/dev/null || true
unset SHIPLOG_AWS_ENDPOINT

say "shiplog verify (the bot's signatures too)"; "$shiplog" verify
say "shiplog db status";                 "$shiplog" db status
