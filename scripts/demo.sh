#!/usr/bin/env bash
# The main job: set up, then run the whole billing cycle on a sample workbook.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/milebill demo "${1:-demo}"
