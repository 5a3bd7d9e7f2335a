#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL: a fresh cluster in a temporary folder,
# reachable through a Unix socket only, removed afterwards. The command sees
# SHIPLOG_TEST_POSTGRES (a libpq key=value prefix without dbname). Fails loudly when
# PostgreSQL cannot be started: tests never silently skip.
set -euo pipefail

bindir="${SHIPLOG_PG_BINDIR:-}"
if [ -z "$bindir" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server programs not found (install the postgresql package)" >&2; exit 1; }

workdir=$(mktemp -d /tmp/shiplog-test-pg.XXXXXX)
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    run_as=(runuser -u postgres --)
    chown postgres "$workdir"
fi
chmod 700 "$workdir"

stop() {
    "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap stop EXIT

(cd / && "${run_as[@]}" "$bindir/initdb" -D "$workdir/data" -U shiplog -E UTF8 --locale=C --auth=trust -N >"$workdir/initdb.log" 2>&1) \
    || { cat "$workdir/initdb.log" >&2; echo "error: initdb failed" >&2; exit 1; }
# A test server: durability off for speed, enough connections for parallel tests.
(cd / && "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" start >/dev/null) \
    || { cat "$workdir/server.log" >&2; echo "error: could not start the test PostgreSQL" >&2; exit 1; }

export SHIPLOG_TEST_POSTGRES="host=$workdir user=shiplog"
echo "test PostgreSQL running (socket in $workdir)"
"$@"
