#!/usr/bin/env bash
# Runs every benchmark and writes bench/results.md and bench/results.json.
# Arguments go to `python -m bench` (e.g. --quick, --sizes 1000,10000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bench "$@"
