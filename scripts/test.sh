#!/usr/bin/env bash
# Set up (venv + LibreOffice) and run every test. CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --office
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
