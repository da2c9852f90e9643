"""Render the README's pictures: run the demo, print the workbook through
LibreOffice (one page per sheet) and rasterise the Dashboard and the
Milestones sheet with pdftoppm, and one of the demo's invoices (P-600's
Structure milestone: retention withheld, deposit recovered) as LibreOffice
renders its PDF. Run: .venv/bin/python docs/make_pictures.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from rich.console import Console

from milebill_xl.actions import demo
from milebill_xl.office import convert

HERE = Path(__file__).resolve().parent
PDF_ONE_PAGE_PER_SHEET = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
AS_OF = date(2026, 11, 25)
# sheet page -> (picture, pixels of the page to keep: width, height). The
# pages are printed from the demo workbook exactly as milebill wrote it.
PICTURES = {1: ("dashboard.png", 1560, 760), 3: ("milestones.png", 1960, 640)}
#: the invoice pictured: P-600's Structure milestone (M-602)
INVOICE = "INV-2026-0011"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = demo.run(tmp / "demo", AS_OF, Console(file=open(tmp / "demo.txt", "w")))
        pdf, = convert([result.workbook], PDF_ONE_PAGE_PER_SHEET, tmp / "pdf")
        for page, (name, width, height) in PICTURES.items():
            stem = tmp / f"page{page}"
            subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page),
                            "-x", "0", "-y", "0", "-W", str(width), "-H", str(height),
                            "-singlefile", str(pdf), str(stem)], check=True)
            (HERE / "img" / name).write_bytes(stem.with_suffix(".png").read_bytes())
            print(HERE / "img" / name)
        invoice, = convert([result.folder / "invoices" / f"{INVOICE}.docx"], "pdf", tmp / "inv")
        stem = tmp / "invoice"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(invoice), str(stem)], check=True)
        (HERE / "img" / "invoice.png").write_bytes(stem.with_suffix(".png").read_bytes())
        print(HERE / "img" / "invoice.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
