#!/usr/bin/env bash
# Upgrades the pinned dependencies: resolves the newest releases that
# pyproject.toml allows in a throw-away venv and writes them, exactly, to
# constraints.txt, which setup.sh (and so the tests, the demo and CI)
# installs from. Review the diff and run the tests before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check '.[test]'
{
  echo "# Exact versions every install uses (setup.sh: pip install -c constraints.txt)."
  echo "# Made by scripts/lock.sh on $(date -u +%Y-%m-%d); run it again to upgrade."
  "$tmp/venv/bin/python" -m pip freeze --all --exclude-editable \
    | grep -v -i -e '^milebill' -e '^pip=='
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pinned packages"
