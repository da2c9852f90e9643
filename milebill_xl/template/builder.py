"""Build the milestone billing workbook (template, demo and benchmark books).

``build_workbook(path)`` writes the empty template; with rows it writes a
filled book (the demo, tests, benchmarks) with the same formulas. Dicts map
contract headers to values; only input columns are read from them, every
computed and helper column gets its formula (see :mod:`.formulas`).

Reproducible: workbook properties and zip entry times are fixed, so
rebuilding the template gives the same content (and, with the same openpyxl,
the same bytes). Rebuild the committed file with::

    python -m milebill_xl.template.builder [PATH]

Layout choices:

- One table per sheet, header in row 1 starting at A1, frozen header row
  (and ID column), table style ``TableStyleMedium2`` with banded rows and
  filter buttons; helper columns come after the contract's and show in grey.
- Money cells use ``#,##0.00``; conditional formats with a number format
  (dxf ``numFmt``) switch to the currency's minor unit (``#,##0`` for JPY,
  ``#,##0.000`` for KWD), keyed on the row's ``Digits`` helper. Excel and
  LibreOffice both honour number formats in conditional formats.
- Dropdowns (list data validation) point at defined names over the Lists
  sheet (``CurrencyList``, ``BasisList``, ``StatusList``, ``ApprovalList``,
  ``TypeList``), which every Excel version accepts across sheets.
"""
from __future__ import annotations

import re
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableFormula, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from ..core import words as W
from ..core.currency import ISO_4217
from ..resources import source_dir
from ..workbook import contract as C
from .dashboard import PAGE_BREAK_AFTER, build_dashboard, dashboard_print_area
from .formulas import FORMULAS, PROJECT_DEFAULTS, q
from ..xlsx.atomic import atomic_write
from ..xlsx.ooxml import col_letters, excel_font_order
from .styles import FLAG_STYLES, fill as _fill, flag_rule
from .printing import WRAPPED, dashboard_setup, fit_row, lines_needed, page_setup

#: where the builder writes the committed template (in the checkout)
TEMPLATE_PATH = source_dir("workbook_templates") / "milestone_billing.xlsx"

#: fixed document properties, so a rebuild has identical content
FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)

TABLE_STYLE = "TableStyleMedium2"
MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
PCT = "0.00%"
INT = "0"
#: rows below the header covered by dropdowns and conditional formats, at least
MIN_FORMAT_ROWS = 5000

SHEET_ORDER = ("Dashboard", "Projects", "Milestones", "Invoices", "Payments",
               "Audit", "Settings", "Lists")

#: header -> number format, per table
NUMBER_FORMATS: dict[str, dict[str, str]] = {
    C.PROJECTS.name: {
        "Contract Value": MONEY, "Tax Rate": PCT, "Retainage %": PCT,
        "Allocated": MONEY, "Billed": MONEY, "Unbilled": MONEY,
        "Collected": MONEY, "Outstanding": MONEY, "Digits": INT,
        "Issued Net": MONEY, "Unissued Fixed": MONEY, "Unissued Percent": PCT,
        "Remainder": MONEY, "Drift": MONEY, "Retention Held": MONEY, "Eff Tax Rate": PCT,
    },
    C.MILESTONES.name: {
        "Planned Date": DATE, "Percent": PCT, "Fixed Amount": MONEY,
        "Completed Date": DATE, "Approval Date": DATE, "Amount": MONEY,
        "Invoice Date": DATE, "Due Date": DATE, "Paid Amount": MONEY,
        "Balance": MONEY, "Days Overdue": INT, "Project Row": INT,
        "Invoice Row": INT, "Digits": INT, "Issued Net": MONEY,
        "Fixed Part": MONEY, "Weight": PCT, "Cum Weight": PCT, "Eff Due Date": DATE,
        "Plan Weight": PCT, "Plan Cum Weight": PCT, "Plan Amount": MONEY,
        "Approval Requested": DATE, "Approval Days": INT, "Tax Rate": PCT, "Eff Tax Rate": PCT,
    },
    C.INVOICES.name: {
        "Issue Date": DATE, "Due Date": DATE, "Net": MONEY, "Tax": MONEY,
        "Total": MONEY, "Paid": MONEY, "Balance": MONEY, "Digits": INT,
        "Credited": MONEY, "Days To Pay": INT, "Reminder Level": INT, "Last Reminder": DATE,
        "Retention": MONEY, "Deposit Applied": MONEY, "Tax Rate": PCT,
    },
    C.PAYMENTS.name: {"Payment Date": DATE, "Amount": MONEY},
    C.AUDIT.name: {},
    C.SETTINGS.name: {},
}

#: header -> column width (characters); others get a width from the header
WIDTHS: dict[str, float] = {
    "Project": 36, "Client": 24, "Client Email": 26, "Client Address": 30,
    "Milestone": 28, "Deliverable": 34, "Approval Notes": 44, "Flag": 18,
    "Detail": 60, "Action": 16, "Timestamp": 20, "Document": 26, "Schedule": 22,
    "Setting": 26, "Value": 36, "Notes": 70, "Reference": 22, "Tax Exemption Reason": 34,
}

SETTING_NOTES: dict[str, str] = {
    "Company": "Seller's legal name, printed on invoices",
    "Company Address": "Multi-line allowed (Alt+Enter)",
    "Company Tax ID": "VAT / tax registration number",
    "Company Email": "Reply-to for invoice emails",
    "Bank Details": "Printed as payment instructions",
    "Invoice Number Format": "{year} is the issue year, {seq} the sequence number",
    "Next Invoice Seq": "Next invoice sequence number; the tool advances it",
    "Credit Note Number Format": "{year} is the issue year, {seq} the sequence number",
    "Next Credit Note Seq": "Next credit note sequence number; the tool advances it",
    "Default Payment Terms": "Net N, Due on receipt, EOM, Net N EOM, D/N Net M",
    "Default Currency": "ISO 4217 code, used when a project leaves Currency blank",
    "Default Tax Rate": "Fraction: 0.2 = 20 %",
    "Due Soon Days": "Window for the Due Soon flag",
    "Approval SLA Days": "Days a completed milestone may wait for approval",
    "Invoice Folder": "Relative to the workbook's folder",
    "As Of Date": "Blank means today; set it to reproduce a past view",
    "Operator": "Name recorded as User in the Audit sheet; blank means the signed-in person",
    "Write-off Limit": "Largest residual pay --write-off may write off (invoice currency); 0 = off",
    "Reminder Days": "Days overdue for reminder levels 1, 2, 3 ...; the last is the final reminder",
    "Late Interest Rate": "Statutory late-payment interest a year (actual/365); 0 = none",
    "Late Fee": "Fixed late-payment fee per overdue invoice (its currency); 0 = none",
    "Retention Tax": ("On release: tax on retention is invoiced with its release; "
                      "On invoice: on each invoice's full amount (e.g. Germany)"),
    "Company Country": "ISO 3166 code such as FR; checks Company Tax ID, needed for e-invoices",
    "IBAN": "Account clients pay into (checked); printed and put in e-invoices",
    "BIC": "Bank identifier (SWIFT code) of that account (checked)",
    "E-Invoice Format": "None, Factur-X (PDF/A-3 with EN 16931 XML) or UBL (XML beside each document)",
}
_SETTING_FORMATS = {"As Of Date": DATE, "Default Tax Rate": PCT,
                    "Next Invoice Seq": INT, "Next Credit Note Seq": INT,
                    "Due Soon Days": INT, "Approval SLA Days": INT, "Late Interest Rate": PCT}

_HELPER_FONT = Font(color="FF7F7F7F", italic=True)
_HEAD_FONT = Font(bold=True, color="FFFFFFFF")
_HEAD_FILL = PatternFill("solid", start_color="FF1F4E78", end_color="FF1F4E78")


# ------------------------------------------------------------------ data

def table_headers(table: str) -> tuple[str, ...]:
    """All headers the template writes for ``table``, in sheet order."""
    spec = C.TABLES_BY_NAME[table]
    return spec.columns + spec.optional + C.EXTRA_COLUMNS.get(table, ())


def currency_digits() -> list[tuple[str, int]]:
    """(code, minor-unit digits) of every ISO 4217 currency that has a
    minor unit, sorted by code: the workbook's currency list, which the
    engine, the formulas and the documents all take their digits from."""
    return list(ISO_4217.items())


def _typed(value: Any) -> tuple[Any, str] | None:
    """(value, openpyxl data type) for an input cell; None leaves it empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value, "b"
    if isinstance(value, (int, float, Decimal)):
        return value, "n"
    if isinstance(value, (date, datetime)):
        return value, "d"
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text, "s"  # never a formula, even when it starts with "="


# ------------------------------------------------------------- sheet help

class _Styles:
    """Prototype cell styles (openpyxl StyleArrays) copied onto many cells,
    which is much faster than setting number_format cell by cell."""

    def __init__(self, ws):
        self._ws = ws
        self._cache: dict[tuple[str | None, bool], Any] = {}

    def get(self, fmt: str | None, helper: bool = False, wrap: bool = False):
        key = (fmt, helper, wrap)
        if key not in self._cache:
            cell = self._ws.cell(row=1, column=self._ws.max_column + 50)
            if fmt:
                cell.number_format = fmt
            if helper:
                cell.font = _HELPER_FONT
            # top-aligned, so a row that a wrapped text makes taller reads
            # from its top line
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
            self._cache[key] = copy(cell._style)
            self._ws._cells.pop((cell.row, cell.column), None)
        return self._cache[key]


def _add_table(ws, name: str, headers: tuple[str, ...], nrows: int,
               formulas: Mapping[str, str] | None = None, col0: int = 1) -> str:
    """Register a table of ``headers`` over ``nrows`` (>= 1) data rows."""
    first = col_letters(col0)
    last = col_letters(col0 + len(headers) - 1)
    ref = f"{first}1:{last}{1 + max(1, nrows)}"
    table = Table(displayName=name, name=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(
        name=TABLE_STYLE, showFirstColumn=False, showLastColumn=False,
        showRowStripes=True, showColumnStripes=False)
    table.autoFilter = AutoFilter(ref=ref)
    formulas = formulas or {}
    for i, h in enumerate(headers, start=1):
        tc = TableColumn(id=i, name=h)
        if h in formulas:
            tc.calculatedColumnFormula = TableFormula(attr_text=formulas[h])
        table.tableColumns.append(tc)
    ws.add_table(table)
    return ref


def _write_table(ws, table: str, rows: Iterable[Mapping[str, Any]],
                 col0: int = 1) -> int:
    """Header in row 1, data from row 2: input values from ``rows``,
    formulas for computed/helper columns. Returns the number of data rows
    written (at least 1: an empty table keeps one blank row)."""
    headers = table_headers(table)
    formulas = FORMULAS.get(table, {})
    formats = NUMBER_FORMATS.get(table, {})
    extras = set(C.EXTRA_COLUMNS.get(table, ()))
    styles = _Styles(ws)
    for j, h in enumerate(headers):
        head = ws.cell(row=1, column=col0 + j, value=h)
        # the table style's header colours as cell formats too, for
        # LibreOffice, which does not draw table styles
        head.font, head.fill = _HEAD_FONT, _HEAD_FILL
        head.alignment = Alignment(vertical="top", wrap_text=True)
    plan = []  # (column index, header, formula or None, style)
    for j, h in enumerate(headers):
        f = formulas.get(h)
        plan.append((col0 + j, h, ("=" + f) if f else None,
                     styles.get(formats.get(h), h in extras, h in WRAPPED)))
    wrapped = [(h, _width(h, formats)) for h in headers if h in WRAPPED and h not in formulas]
    rows = list(rows) or [{}]
    # Cells are made directly (not through ws.cell/value binding): linear and
    # about twice as fast, which matters for 100,000-row benchmark books.
    # Empty input cells are not written; their column carries the format.
    cells = ws._cells
    for r, data in enumerate(rows, start=2):
        fit_row(ws, r, max((lines_needed(data.get(h), w) for h, w in wrapped), default=1))
        for c, h, f, st in plan:
            if f is not None:
                value, kind = f, "f"
            else:
                typed = _typed(data.get(h))
                if typed is None:
                    continue
                value, kind = typed
            x = Cell(ws, row=r, column=c)
            # one shared StyleArray per column: nothing mutates it after this
            x._value, x.data_type, x._style = value, kind, st
            cells[(r, c)] = x
    _add_table(ws, table, headers, len(rows), formulas, col0)
    _widths(ws, headers, formats, col0)
    page_setup(ws, col0 + len(headers) - 1)
    _group_helpers(ws, headers, extras, col0)
    return len(rows)


def _group_helpers(ws, headers, extras, col0=1) -> None:
    """Helper columns are grouped and collapsed: the sheet shows the
    contract's columns, and the [+] above the sheet opens the working."""
    for j, h in enumerate(headers):
        if h in extras:
            dim = ws.column_dimensions[col_letters(col0 + j)]
            dim.outlineLevel = 1
            dim.hidden = True


def _width(header: str, formats) -> float:
    """A column's width in characters: WIDTHS, else from its header."""
    w = WIDTHS.get(header)
    if w is None:
        w = max(len(header) + 5, 14 if formats.get(header) in (MONEY, DATE) else 10)
    return w


def _widths(ws, headers, formats, col0=1):
    for j, h in enumerate(headers):
        fmt = formats.get(h)
        dim = ws.column_dimensions[col_letters(col0 + j)]
        dim.width = _width(h, formats)
        # cells added later take the column's style: top-aligned as the
        # builder's, so a row a wrapped text makes taller reads from its top
        dim.alignment = Alignment(vertical="top", wrap_text=h in WRAPPED)
        if fmt:
            dim.number_format = fmt


def _letter(table: str, header: str) -> str:
    return col_letters(table_headers(table).index(header) + 1)


def _digit_formats(ws, table: str, money: Iterable[str], digits_expr: str,
                   last_row: int, digit_values: Iterable[int]) -> None:
    """Conditional number formats: money cells show the currency's minor
    unit. ``digits_expr`` is a formula for row 2 giving the digits."""
    cols = [_letter(table, h) for h in money]
    sqref = " ".join(f"{c}2:{c}{last_row}" for c in cols)
    for k in sorted(set(digit_values) - {2}):
        code = "#,##0" + ("." + "0" * k if k else "")
        dxf = DifferentialStyle(numFmt=NumberFormat(numFmtId=300 + k, formatCode=code))
        ws.conditional_formatting.add(
            sqref, Rule(type="expression", dxf=dxf, formula=[f"{digits_expr}={k}"]))


def _currencies_in(projects, settings) -> list[str]:
    """The projects' currencies in sheet order (a blank one is the default
    currency), as refresh orders the Dashboard's currency columns."""
    default = (settings or {}).get("Default Currency") or dict(C.SETTING_DEFAULTS)["Default Currency"]
    out: list[str] = []
    for p in projects:
        code = str(p.get("Currency") or default).strip().upper()
        if code not in out:
            out.append(code)
    return out


def _dropdown(ws, name: str, sqref: str, prompt: str) -> None:
    dv = DataValidation(type="list", formula1=name, allow_blank=True,
                        showErrorMessage=True, errorTitle="Not in list",
                        error=prompt, errorStyle="stop")
    dv.add(sqref)
    ws.add_data_validation(dv)


# ---------------------------------------------------------------- sheets

def _settings_sheet(wb, ws, settings: Mapping[str, Any]) -> None:
    rows = []
    for key, default in C.SETTING_DEFAULTS:
        value = settings.get(key, default)
        rows.append({"Setting": key, "Value": value, "Notes": SETTING_NOTES.get(key, "")})
    _write_table(ws, C.SETTINGS.name, rows)
    for r, (key, _) in enumerate(C.SETTING_DEFAULTS, start=2):
        v = ws.cell(row=r, column=2)
        v._style = copy(v._style)  # its own style: the column's is shared
        ws.cell(row=r, column=1)._style = copy(ws.cell(row=r, column=1)._style)
        ws.cell(row=r, column=3)._style = copy(ws.cell(row=r, column=3)._style)
        if key in _SETTING_FORMATS:
            v.number_format = _SETTING_FORMATS[key]
        v.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        ws.cell(row=r, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=r, column=3).alignment = Alignment(vertical="top", wrap_text=True)
        fit_row(ws, r, max(lines_needed(v.value, WIDTHS["Value"]),
                           lines_needed(ws.cell(row=r, column=3).value, WIDTHS["Notes"])))
        ref = f"{quote_sheet(ws.title)}!$B${r}"
        wb.defined_names.add(DefinedName(C.SETTING_NAMES[key], attr_text=ref))
        if key == "As Of Date":
            wb.defined_names.add(DefinedName(
                C.AS_OF_NAME, attr_text=f"IF(ISBLANK({ref}),TODAY(),{ref})"))
        if key == "Default Currency":
            _dropdown(ws, "CurrencyList", f"B{r}", "Pick an ISO 4217 code from the Lists sheet")
        if key == "Retention Tax":
            _dropdown(ws, list_name("Retention Tax"), f"B{r}", "On release or On invoice")
        if key == "E-Invoice Format":
            _dropdown(ws, list_name(key), f"B{r}", "None, Factur-X or UBL")
    ws.freeze_panes = "A2"


def list_name(header: str) -> str:
    """The defined name over a Lists sheet column: 'Tax Category' ->
    'TaxCategoryList' (a name holds no spaces or dashes)."""
    return re.sub(r"[^A-Za-z0-9]", "", header) + "List"


def quote_sheet(title: str) -> str:
    return title if title.isalnum() else "'" + title.replace("'", "''") + "'"


def list_name(header: str) -> str:
    """The defined name of a dropdown list on the Lists sheet: ``BasisList``,
    ``RetentionTaxList`` (a name holds no spaces)."""
    return header.replace(" ", "") + "List"


def _lists_sheet(wb, ws, currencies: list[tuple[str, int]]) -> None:
    rows = [{"Currency": c, "Digits": d} for c, d in currencies]
    for j, h in enumerate(C.CURRENCIES.columns, start=1):
        ws.cell(row=1, column=j, value=h)
    for r, row in enumerate(rows, start=2):
        ws.cell(row=r, column=1, value=row["Currency"])
        ws.cell(row=r, column=2, value=row["Digits"])
    _add_table(ws, C.CURRENCIES.name, C.CURRENCIES.columns, len(rows))
    wb.defined_names.add(DefinedName("CurrencyList", attr_text=f"Lists!$A$2:$A${len(rows) + 1}"))
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 10
    col0 = 4
    for tname, (header, values) in C.LIST_TABLES.items():
        ws.cell(row=1, column=col0, value=header)
        for r, v in enumerate(values, start=2):
            ws.cell(row=r, column=col0, value=v)
        _add_table(ws, tname, (header,), len(values), col0=col0)
        letter = col_letters(col0)
        wb.defined_names.add(DefinedName(
            list_name(header), attr_text=f"Lists!${letter}$2:${letter}${len(values) + 1}"))
        ws.column_dimensions[letter].width = 20
        col0 += 2
    ws.freeze_panes = "A2"
    page_setup(ws, col0 - 2)


def _projects_format(ws, n: int, digit_values) -> None:
    t = C.PROJECTS.name
    last = 1 + max(n + 1000, MIN_FORMAT_ROWS)
    money = [h for h, f in NUMBER_FORMATS[t].items() if f == MONEY]
    _digit_formats(ws, t, money, f"${_letter(t, 'Digits')}2", last, digit_values)
    cur = _letter(t, "Currency")
    _dropdown(ws, "CurrencyList", f"{cur}2:{cur}{last}", "Pick an ISO 4217 code from the Lists sheet")
    # a blank Currency, Tax Rate or Payment Terms shows its Settings default
    # through a formula refresh writes (=DefaultCurrency): greyed, so a
    # reader tells it from a value typed for the project
    for header in PROJECT_DEFAULTS:
        c = _letter(t, header)
        ws.conditional_formatting.add(f"{c}2:{c}{last}", FormulaRule(
            formula=[f"_xlfn.ISFORMULA({c}2)"], font=Font(color="FF808080", italic=True)))
    cat = _letter(t, "Tax Category")
    _dropdown(ws, list_name("Tax Category"), f"{cat}2:{cat}{last}",
              "Tax Category must be one of the Lists sheet values (blank = Standard)")
    sch = _letter(t, "Schedule")
    ws.conditional_formatting.add(
        f"{sch}2:{sch}{last}",
        FormulaRule(formula=[f'AND(${sch}2<>"",${sch}2<>"OK")'],
                    font=Font(color="FF9C0006", bold=True), fill=_fill("FFFFC7CE")))
    ws.freeze_panes = "B2"


def _milestones_format(ws, n: int, digit_values) -> None:
    t = C.MILESTONES.name
    last = 1 + max(n + 1000, MIN_FORMAT_ROWS)
    money = [h for h, f in NUMBER_FORMATS[t].items() if f == MONEY]
    _digit_formats(ws, t, money, f"${_letter(t, 'Digits')}2", last, digit_values)
    for header, lst in (("Basis", "BasisList"), ("Status", "StatusList"),
                        ("Approval", "ApprovalList")):
        c = _letter(t, header)
        _dropdown(ws, lst, f"{c}2:{c}{last}", f"{header} must be one of the Lists sheet values")
    flag = _letter(t, "Flag")
    ident = _letter(t, "Milestone ID")
    for word in FLAG_STYLES:
        ws.conditional_formatting.add(f"{flag}2:{flag}{last}",
                                      flag_rule(f'${flag}2="{word}"', word))
    # the whole row of a cancelled milestone reads as struck out
    ws.conditional_formatting.add(
        f"{ident}2:{_letter(t, 'Approval Notes')}{last}",
        FormulaRule(formula=[f'${flag}2={q(W.CANCELLED)}'],
                    font=Font(color="FFA6A6A6", strike=True)))
    ws.freeze_panes = "B2"


_INVOICE_STATUS_STYLES = {
    W.OPEN: ("FFDDEBF7", "FF1F4E78"),
    W.PARTIALLY_PAID: ("FFFFEB9C", "FF9C5700"),
    W.PAID: ("FFEDEDED", "FF808080"),
    W.VOID: ("FFFFC7CE", "FF9C0006"),
    W.APPLIED: ("FFEDEDED", "FF808080"),
}


def _invoices_format(ws, n: int, digit_values) -> None:
    t = C.INVOICES.name
    last = 1 + max(n + 1000, MIN_FORMAT_ROWS)
    money = [h for h, f in NUMBER_FORMATS[t].items() if f == MONEY]
    _digit_formats(ws, t, money, f"${_letter(t, 'Digits')}2", last, digit_values)
    c = _letter(t, "Type")
    _dropdown(ws, "TypeList", f"{c}2:{c}{last}", "Invoice, Credit Note or Retention Release")
    c = _letter(t, "Currency")
    _dropdown(ws, "CurrencyList", f"{c}2:{c}{last}", "Pick an ISO 4217 code from the Lists sheet")
    st = _letter(t, "Status")
    for word, (fill, color) in _INVOICE_STATUS_STYLES.items():
        ws.conditional_formatting.add(
            f"{st}2:{st}{last}",
            FormulaRule(formula=[f'${st}2="{word}"'], stopIfTrue=True,
                        font=Font(color=color), fill=_fill(fill)))
    ws.freeze_panes = "B2"


def _payments_format(ws, n: int, digit_values) -> None:
    t = C.PAYMENTS.name
    last = 1 + max(n + 1000, MIN_FORMAT_ROWS)
    inv_no = _letter(C.INVOICES.name, "Invoice No")
    inv_digits = _letter(C.INVOICES.name, "Digits")
    pay_inv = _letter(t, "Invoice No")
    expr = (f"IFERROR(INDEX(Invoices!${inv_digits}:${inv_digits},"
            f"MATCH(${pay_inv}2,Invoices!${inv_no}:${inv_no},0)),2)")
    _digit_formats(ws, t, ["Amount"], expr, last, digit_values)
    kind = _letter(t, "Kind")
    _dropdown(ws, "KindList", f"{kind}2:{kind}{last}",
              "Payment (or blank), Discount, Write-off or Credit Applied")
    ws.freeze_panes = "A2"


# ------------------------------------------------------------------ build

def build_workbook(path: str | Path, *, settings: Mapping[str, Any] | None = None,
                   projects: Iterable[Mapping[str, Any]] = (),
                   milestones: Iterable[Mapping[str, Any]] = (),
                   invoices: Iterable[Mapping[str, Any]] = (),
                   payments: Iterable[Mapping[str, Any]] = (),
                   audit: Iterable[Mapping[str, Any]] = (),
                   dashboard_currencies: Iterable[str] | None = None,
                   currencies: Iterable[tuple[Any, Any]] | None = None) -> Path:
    """Write a workbook at ``path``: the template when no rows are given.

    ``settings`` maps setting keys to values (others keep their defaults);
    row dicts map contract headers to input values (computed columns given
    in them are ignored: formulas fill them). ``dashboard_currencies``
    fills the Dashboard's currency slots (default: the first slot shows
    Default Currency). ``currencies``: the rows of the currency list
    (tblCurrencies) as (Currency, Digits) cell values, for a book that
    carries a team's own list (``milebill upgrade``); default ISO 4217's.
    Returns the path."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {name: wb.create_sheet(name) for name in SHEET_ORDER}
    iso = currency_digits()
    currencies = iso if currencies is None else list(currencies)
    # number formats for every minor unit in use (a team may set COP to 0)
    digit_values = {d for _, d in iso} | {
        int(d) for _, d in currencies
        if isinstance(d, (int, float, Decimal)) and not isinstance(d, bool)
        and d == int(d) and 0 <= d <= 4}

    _settings_sheet(wb, sheets["Settings"], dict(settings or {}))
    _lists_sheet(wb, sheets["Lists"], currencies)
    data = {
        C.PROJECTS.name: list(projects), C.MILESTONES.name: list(milestones),
        C.INVOICES.name: list(invoices), C.PAYMENTS.name: list(payments),
        C.AUDIT.name: list(audit),
    }
    for table, rows in data.items():
        _write_table(sheets[C.TABLES_BY_NAME[table].sheet], table, rows)
    _projects_format(sheets["Projects"], len(data[C.PROJECTS.name]), digit_values)
    _milestones_format(sheets["Milestones"], len(data[C.MILESTONES.name]), digit_values)
    _invoices_format(sheets["Invoices"], len(data[C.INVOICES.name]), digit_values)
    _payments_format(sheets["Payments"], len(data[C.PAYMENTS.name]), digit_values)
    sheets["Audit"].freeze_panes = "A2"
    currencies_shown = (list(dashboard_currencies) if dashboard_currencies
                        else _currencies_in(data[C.PROJECTS.name], settings))
    build_dashboard(sheets["Dashboard"], digit_values, currencies_shown)
    dashboard_setup(sheets["Dashboard"], *dashboard_print_area(len(currencies_shown)),
                    break_after=PAGE_BREAK_AFTER)
    for name in ("Lists",):
        sheets[name].sheet_properties.tabColor = "FFBFBFBF"
    sheets["Dashboard"].sheet_properties.tabColor = "FF1F4E78"
    wb.active = 0

    props = wb.properties
    props.creator = "milebill_xl"
    props.lastModifiedBy = "milebill_xl"
    props.title = "Milestone billing"
    props.created = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


class _FixedTimeZip(ZipFile):
    """A ZipFile whose entries all carry one fixed timestamp, with fonts in
    styles.xml written in Excel's order."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        if zinfo_or_arcname.filename == "xl/styles.xml":
            data = excel_font_order(data if isinstance(data, bytes) else data.encode("utf-8"))
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams worksheets through temp files: stamp them too
        with open(filename, "rb") as fh:
            data = fh.read()
        return self.writestr(str(arcname or filename), data, compress_type, compresslevel)


def save_workbook(wb, path: Path) -> None:
    """Save an openpyxl workbook as we write every new file: fixed
    properties (openpyxl's save stamps 'modified' with now), fixed zip
    timestamps, fonts in Excel's order; atomically."""
    wb.properties.modified = FIXED_TIME

    def produce(fh) -> None:
        with _FixedTimeZip(fh, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).write_data()
    atomic_write(path, produce)
