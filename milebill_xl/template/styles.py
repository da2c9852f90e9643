"""Colours shared by the template's sheets and the Dashboard."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from ..core import words as W


def fill(rgb: str) -> PatternFill:
    return PatternFill(start_color=rgb, end_color=rgb, fill_type="solid", bgColor=rgb)


#: flag -> (fill, font colour, bold, italic): the colours people read at a glance
FLAG_STYLES: dict[str, tuple[str | None, str, bool, bool]] = {
    W.OVERDUE: ("FFFFC7CE", "FF9C0006", True, False),          # red
    W.DUE_SOON: ("FFFFEB9C", "FF9C5700", True, False),          # amber
    W.READY_TO_INVOICE: ("FFC6EFCE", "FF006100", True, False),  # green
    W.APPROVAL_OVERDUE: ("FFFCE4D6", "FFC65911", False, True),  # orange italic
    W.BEHIND_SCHEDULE: ("FFFCE4D6", "FFC65911", False, True),   # orange italic
    W.BLOCKED: ("FFFFC7CE", "FF9C0006", False, True),           # red italic
    W.REJECTED: ("FFFFC7CE", "FF9C0006", False, True),          # red italic
    W.PAID: ("FFEDEDED", "FF808080", False, False),             # grey
    W.CANCELLED: (None, "FFA6A6A6", False, True),               # light grey
    W.INVOICED: ("FFDDEBF7", "FF1F4E78", False, False),         # blue
    W.AWAITING_APPROVAL: ("FFFFF2CC", "FF7F6000", False, False),  # pale yellow
}


def flag_rule(formula: str, flag: str) -> FormulaRule:
    fill_rgb, color, bold, italic = FLAG_STYLES[flag]
    return FormulaRule(formula=[formula], stopIfTrue=True,
                       font=Font(color=color, bold=bold, italic=italic),
                       fill=fill(fill_rgb) if fill_rgb else None)
