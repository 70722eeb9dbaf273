#!/usr/bin/env bash
# Create the referee venv (separate from Cairn's own env).
# Usage: bash tests/referee/make_venv.sh [VENV_DIR]   (default /tmp/refvenv)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-/tmp/refvenv}"
py="${PYTHON311:-python3.11}"
"$py" -m venv "$venv"
# --no-deps is required: see the header of requirements.txt.
"$venv/bin/pip" install --disable-pip-version-check -q --no-deps -r "$here/requirements.txt"
"$venv/bin/python" -c "import openbadges.verifier, openbadges_bakery, jose.jwk, pytz; print('referee venv ok:', '$venv')"
