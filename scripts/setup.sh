#!/usr/bin/env bash
# Sets up a fresh Debian machine with Python 3.11: the venv with milebill_xl
# and, with --office, LibreOffice (our independent spreadsheet/document client).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--office" ] && ! command -v soffice >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc libreoffice-writer poppler-utils >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
