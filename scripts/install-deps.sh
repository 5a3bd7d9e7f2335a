#!/usr/bin/env bash
# Installs what building, running and testing Shiplog need, and nothing already there.
set -euo pipefail

packages=(libpq-dev libcurl4-openssl-dev libsodium-dev postgresql postgresql-contrib pkg-config curl jq python3)
# Go and its x/mod: the tests check checkpoints and proofs with Go's sumdb/note and sumdb/tlog.
packages+=(golang-go golang-golang-x-mod-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain first" >&2; exit 1; }

# moto_server, the AWS emulator: the demo's ECS and SNS, and the tests'.
if ! command -v moto_server >/dev/null 2>&1; then
    echo "installing moto[server] with pip"
    python3 -m pip install --quiet 'moto[server]' >/dev/null
fi
