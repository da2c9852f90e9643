"""Colours shared by the template's sheets and the Dashboard."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill


def fill(rgb: str) -> PatternFill:
    return PatternFill(start_color=rgb, end_color=rgb, fill_type="solid", bgColor=rgb)


#: flag -> (fill, font colour, bold, italic): the colours people read at a glance
FLAG_STYLES: dict[str, tuple[str | None, str, bool, bool]] = {
    "Overdue": ("FFFFC7CE", "FF9C0006", True, False),          # red
    "Due Soon": ("FFFFEB9C", "FF9C5700", True, False),          # amber
    "Ready to Invoice": ("FFC6EFCE", "FF006100", True, False),  # green
    "Approval Overdue": ("FFFCE4D6", "FFC65911", False, True),  # orange italic
    "Behind Schedule": ("FFFCE4D6", "FFC65911", False, True),   # orange italic
    "Blocked": ("FFFFC7CE", "FF9C0006", False, True),           # red italic
    "Rejected": ("FFFFC7CE", "FF9C0006", False, True),          # red italic
    "Paid": ("FFEDEDED", "FF808080", False, False),             # grey
    "Cancelled": (None, "FFA6A6A6", False, True),               # light grey
    "Invoiced": ("FFDDEBF7", "FF1F4E78", False, False),         # blue
    "Awaiting Approval": ("FFFFF2CC", "FF7F6000", False, False),  # pale yellow
}


def flag_rule(formula: str, flag: str) -> FormulaRule:
    fill_rgb, color, bold, italic = FLAG_STYLES[flag]
    return FormulaRule(formula=[formula], stopIfTrue=True,
                       font=Font(color=color, bold=bold, italic=italic),
                       fill=fill(fill_rgb) if fill_rgb else None)
