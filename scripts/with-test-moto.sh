#!/usr/bin/env bash
# Runs a command with moto_server (the AWS emulator) on a private loopback port, stopped
# afterwards. The command sees SHIPLOG_TEST_MOTO (its base URL). Installs moto[server] with pip
# when it is missing, and fails loudly when it cannot start: AWS tests never silently skip.
set -euo pipefail

if ! command -v moto_server >/dev/null 2>&1; then
    echo "installing moto[server] with pip"
    python3 -m pip install --quiet 'moto[server]' >/dev/null || { echo "error: pip could not install moto[server]" >&2; exit 1; }
    hash -r
fi
command -v moto_server >/dev/null 2>&1 || { echo "error: moto_server is not on PATH after installing moto[server]" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/shiplog-test-moto.XXXXXX)
# A rollout reports COMPLETED once this many tasks run (moto starts none by itself).
MOTO_ECS_SERVICE_RUNNING=1 moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 & moto=$!
stop() { kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"; }
trap stop EXIT
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
    kill -0 "$moto" 2>/dev/null || { cat "$log" >&2; echo "error: moto_server exited" >&2; exit 1; }
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 || { cat "$log" >&2; echo "error: moto_server did not answer" >&2; exit 1; }

export SHIPLOG_TEST_MOTO="http://127.0.0.1:$port"
echo "test moto_server running on $SHIPLOG_TEST_MOTO"
"$@"
