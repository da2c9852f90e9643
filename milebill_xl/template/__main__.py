"""``python -m milebill_xl.template [PATH]``: rebuild the committed template
workbook (default workbook_templates/milestone_billing.xlsx)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..actions.new import build_template
from .builder import TEMPLATE_PATH


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    print(build_template(Path(argv[0]) if argv else TEMPLATE_PATH))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
