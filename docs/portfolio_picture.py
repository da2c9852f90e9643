"""Render the README's portfolio picture from a real run: two sample
workbooks issued a day apart (so they clash on numbers) and an emailed
copy, rolled up by ``milebill portfolio --xlsx`` and printed by LibreOffice.
Run: .venv/bin/python docs/portfolio_picture.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from milebill_xl.actions import issue, new, portfolio
from milebill_xl.office import convert
from milebill_xl.workbook.filebook import FileBook
from milebill_xl.template.portfolio import write_portfolio

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 25)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "billing"
        for name, day in (("north/clients-2026.xlsx", AS_OF), ("south/clients-2026.xlsx", date(2026, 11, 26))):
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            new.run(path, demo=True, as_of=AS_OF)
            assert not issue.run(FileBook(path), day).errors
        shutil.copyfile(root / "north/clients-2026.xlsx", root / "north/clients-2026 (emailed).xlsx")
        os.chdir(tmp)   # the Dashboard names the folder as given: billing
        out = write_portfolio(portfolio.run(Path("billing"), date(2026, 11, 30)), tmp / "portfolio.xlsx")
        (pdf,) = convert([out], "pdf", tmp / "pdf")
        stem = tmp / "portfolio"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(stem)], check=True)
        (HERE / "img" / "portfolio.png").write_bytes(stem.with_suffix(".png").read_bytes())
        print(HERE / "img" / "portfolio.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
