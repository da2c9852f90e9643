"""Render the README's pictures: run the demo, print the workbook through
LibreOffice (one page per sheet) and rasterise the Dashboard and the
Milestones sheet with pdftoppm. Run: .venv/bin/python docs/make_pictures.py
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
# (sheet page, printed from the copy?) -> (picture, pixels of the page to keep:
# width, height). The Dashboard prints from the workbook itself: an openpyxl
# round trip rewrites its charts (and drops what openpyxl does not model).
PICTURES = {(1, False): ("dashboard.png", 1560, 760), (3, True): ("milestones.png", 1960, 290)}
# Milestones columns left out of the picture so the rest is legible
HIDE = ("Deliverable", "Fixed Amount", "Approved By", "Approval Date", "Approval Notes", "Invoice Date", "Completed Date")


def _picture_copy(src: Path, dst: Path) -> Path:
    """A throwaway copy for printing: some wide columns hidden, headers
    shaded (LibreOffice does not draw Excel table styles)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font, PatternFill
    wb = load_workbook(src)
    ws = wb["Milestones"]
    for cell in ws[1]:
        if cell.value in HIDE:
            ws.column_dimensions[cell.column_letter].hidden = True
    for name in wb.sheetnames:
        for cell in wb[name][1]:
            if cell.value and name != "Dashboard":
                cell.fill = PatternFill("solid", start_color="FF1F4E78")
                cell.font = Font(bold=True, color="FFFFFFFF")
    wb.save(dst)
    return dst


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = demo.run(tmp / "demo", AS_OF, Console(file=open(tmp / "demo.txt", "w")))
        copy = _picture_copy(result.workbook, tmp / "pictures.xlsx")
        pdfs = dict(zip((False, True), convert([result.workbook, copy], PDF_ONE_PAGE_PER_SHEET,
                                               tmp / "pdf")))
        for (page, from_copy), (name, width, height) in PICTURES.items():
            pdf = pdfs[from_copy]
            stem = tmp / f"page{page}{'c' * from_copy}"
            subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page),
                            "-x", "0", "-y", "0", "-W", str(width), "-H", str(height),
                            "-singlefile", str(pdf), str(stem)], check=True)
            (HERE / "img" / name).write_bytes(stem.with_suffix(".png").read_bytes())
            print(HERE / "img" / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
