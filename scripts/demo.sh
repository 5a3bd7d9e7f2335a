#!/usr/bin/env bash
# The main job on the embedded default: Shiplog starts its own PostgreSQL in $SHIPLOG_HOME
# (no DATABASE_URL), migrates it, records a small deploy story in the log, reads it back and
# verifies the hash chain. Run it again: the ledger grows, and still verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
shiplog=.build/release/shiplog
unset DATABASE_URL

echo "== shiplog migrate (embedded PostgreSQL in ${SHIPLOG_HOME:-~/.local/share/shiplog})"
$shiplog migrate

deploy="d-$(date +%s)"
echo "== appending the story of deploy $deploy"
$shiplog events append --actor ci --stream build-web --type BuildRecorded \
    --data '{"service":"web","version":"1.2.3","artifact":"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}'
$shiplog events append --actor carol --stream "deploy-$deploy" --expected-version none --type DeployRequested \
    --data '{"service":"web","environment":"prod","version":"1.2.3"}'
$shiplog events append --actor alice --stream "deploy-$deploy" --expected-version 1 --type DeployApproved --data '{"by":"alice"}'
echo "== a second approval that read a stale version is refused (exit 1):"
if $shiplog events append --actor bob --stream "deploy-$deploy" --expected-version 1 --type DeployApproved --data '{"by":"bob"}'; then
    echo "expected a version conflict" >&2; exit 1
fi

echo "== shiplog events read --stream deploy-$deploy"
$shiplog events read --stream "deploy-$deploy"
echo "== shiplog verify"
$shiplog verify
$shiplog db status
