"""An independent reader for every file we write: openxml-audit (schema and
semantic rules derived from the Open XML SDK). ``findings(path)`` lists
what it reports outside the allow-list below; tests assert it is empty."""
from __future__ import annotations

from pathlib import Path

from openxml_audit import OpenXmlValidator

#: findings shown harmless, each with why
ALLOWED = (
    # Our writers put text in cells as inline strings (<c t="inlineStr">), a
    # form ECMA-376 defines and every reader we test (Excel, LibreOffice,
    # calamine, openpyxl) reads; Excel moves them into a shared-strings table
    # on its next save. Nothing for the user to repair.
    "inline-string cell(s)",
)

_VALIDATOR = OpenXmlValidator()


def findings(path: Path) -> list[str]:
    """Every finding for ``path`` outside ``ALLOWED``, as text."""
    result = _VALIDATOR.validate(str(path))
    return [str(e) for e in result.errors if not any(a in str(e) for a in ALLOWED)]
