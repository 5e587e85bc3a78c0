#!/usr/bin/env bash
# Scan infra/terraform with checkov, offline, from its own virtual environment
# (checkov's pins would downgrade boto3, packaging and networkx in the project venv).
# Exit status is checkov's: non-zero when any check fails.
set -euo pipefail

cd "$(dirname "$0")/.."

venv=.venv-checkov
if [ ! -x "$venv/bin/checkov" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-checkov.txt
fi

CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE "$venv/bin/checkov" \
    -d infra/terraform --compact --quiet --skip-download --framework terraform
