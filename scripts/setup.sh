#!/usr/bin/env bash
# Sets up a fresh Debian machine with Python 3.11: the venv with milebill_xl
# (pinned by constraints.txt) and, with --office, LibreOffice (our independent
# spreadsheet/document client).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
packages=()
# Debian's python3 needs python3-venv (ensurepip) to make a virtual environment
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
if [ "${1:-}" = "--office" ]; then
  command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-calc libreoffice-writer)
  command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "installing ${packages[*]} (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Every package, build tools included, at the exact version constraints.txt
# names (scripts/lock.sh upgrades them), so a new release cannot change a
# run. PIP_CONSTRAINT also reaches pip's isolated build environment.
PIP_CONSTRAINT="$PWD/constraints.txt" .venv/bin/python -m pip install -q \
  --disable-pip-version-check -e '.[test]'
