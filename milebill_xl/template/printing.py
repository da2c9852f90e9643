"""Page setup and row heights: what a finance team gets on paper.

Every sheet prints on A4, one page wide, its header row repeated on each
page, the sheet name and "Page n of m" in the footer; wide sheets print
landscape. The Dashboard prints on two landscape pages: the figures and
charts on the first (a page break under the chart grid, so no chart is cut),
the timeline on the second.

Multi-line and long texts wrap inside their column; :func:`lines_needed`
gives the row height that shows every line (Excel and LibreOffice do not
grow a row on their own when a file says nothing about its height)."""
from __future__ import annotations

import math
from typing import Callable, Mapping

from openpyxl.worksheet.pagebreak import Break, RowBreak
from ..xlsx.ooxml import col_letters
from openpyxl.workbook.defined_name import DefinedName


def quote_sheet(title: str) -> str:
    return title if title.isalnum() else "'" + title.replace("'", "''") + "'"

#: points per line of 11 pt Calibri
LINE_HEIGHT = 15.0
#: columns whose texts wrap; a row's height shows every line of them, in
#: rows the builder writes and in rows the tool appends later (issue, pay,
#: void, import: :func:`row_height`)
WRAPPED = frozenset({"Project", "Client", "Client Address", "Milestone", "Deliverable",
                     "Approval Notes", "Detail", "Value", "Notes"})
#: sheets printed landscape (wide tables)
LANDSCAPE = frozenset({"Dashboard", "Projects", "Milestones", "Invoices", "Audit"})


def lines_needed(text: object, width: float) -> int:
    """Lines a text takes in a wrapped column ``width`` characters wide."""
    if text is None or text == "":
        return 1
    per_line = max(1, int(width) - 1)
    return sum(_wrapped(part, per_line) for part in str(text).split("\n"))


def _wrapped(line: str, per_line: int) -> int:
    """Lines one paragraph takes when wrapped at spaces, as Excel and
    LibreOffice wrap: a word longer than a line (a SHA-256) is cut."""
    lines, used = 0, None
    for word in line.split(" "):
        n = len(word)
        if used is not None and used + 1 + n <= per_line:
            used += 1 + n
            continue
        lines += 1 + max(0, math.ceil(n / per_line) - 1)
        used = n - (math.ceil(n / per_line) - 1) * per_line if n else 0
    return max(1, lines)


def row_height(values: Mapping[str, object], width_of: Callable[[str], float]) -> float | None:
    """The height (points) a row needs to show every line of its wrapped
    texts (``values``: header -> value; ``width_of``: header -> column
    width in characters), or None when one line will do."""
    lines = max((lines_needed(v, width_of(h)) for h, v in values.items()
                 if h in WRAPPED and isinstance(v, str)), default=1)
    return LINE_HEIGHT * lines if lines > 1 else None


def fit_row(ws, row: int, lines: int) -> None:
    """Give ``row`` the height of ``lines`` lines (one line keeps the default)."""
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines


def page_setup(ws, last_column: int, title_rows: str | None = "1:1",
               pages_tall: int = 0) -> None:
    """A4, one page wide (``pages_tall`` 0: as many pages down as needed),
    print titles, a print area over the sheet's columns, footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if ws.title in LANDSCAPE else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    # whole columns: the area grows with the table (openpyxl's print_area
    # takes only cell ranges, so the defined name is written directly)
    letter = col_letters(last_column)
    ws.defined_names["_xlnm.Print_Area"] = DefinedName(
        "_xlnm.Print_Area", attr_text=f"{quote_sheet(ws.title)}!$A:${letter}")
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.evenFooter.left.text = "&A"
    ws.evenFooter.right.text = "Page &P of &N"


def dashboard_setup(ws, last_row: int, last_column: int, break_after: int) -> None:
    """The Dashboard on two landscape pages, cut under row ``break_after``."""
    # one page wide, and the break (not a fit-to-height, which LibreOffice
    # lets win over manual breaks) makes the second page
    page_setup(ws, last_column, title_rows=None, pages_tall=0)
    del ws.defined_names["_xlnm.Print_Area"]
    ws.print_area = f"A1:{col_letters(last_column)}{last_row}"
    ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=break_after))
