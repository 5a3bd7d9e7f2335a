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
say "shiplog db status";                 "$shiplog" db status
