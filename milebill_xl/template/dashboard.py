"""The Dashboard sheet: where each figure lives and the formula behind it.

Everything on the Dashboard is a formula over the tables, driven by the
``AsOfDate`` name, so it is right in Excel without any Python. The
``refresh`` command writes the currencies in use and, for each, its
formulas with their cached values (so previews and readers that do not
recalculate show figures); :func:`cell_of` says where a figure lives,
:func:`dashboard_formulas` gives every formula cell of a Dashboard showing
some number of currencies (cell -> formula text, no leading ``=``).

One column per currency (a *slot*), as many as the book holds: the
currencies are columns ``I``, ``J``, ... (``SLOT_COL0`` on), in the order
of ``core.dashboard`` (first use in Projects). Nothing lies right of them,
so a book with more currencies just fills more columns; the row formats,
and the conditional formats (to column ``FORMAT_SLOTS`` slots on) style
every one alike. Column ``H`` names the rows. Blocks, top to bottom:

1. **Totals** (rows ``TOTALS_FIRST`` ..): Contract (sum of Contract Value),
   Billed, Unbilled, Collected, Outstanding (sums of the Projects columns
   of that effective currency), Overdue (open balances of invoices, not
   void, whose Due Date is before the as-of date) and Unapplied credit
   (minus the negative Balances of voided invoices: money received that no
   new invoice has taken).
2. **Aging** of open invoice balances (rule 8): invoices of Type Invoice,
   not Void, Balance > 0, by days = as-of - Due Date: Current (<= 0), 1-30,
   31-60, 61-90, 90+; then DSO (core/metrics.py).
3. **Expected billing**, the as-of month and the next three (the month in
   column H); the same rule as ``core/dashboard.py``; then the approved but
   unbilled amount and its longest wait. Unissued (Invoice No blank),
   non-cancelled milestones at their ``Amount`` (net of tax), in the
   project's currency:

   - as-of month: every milestone flagged ``Ready to Invoice`` (whatever
     its Planned Date: the next ``issue`` run bills it), plus every other
     one planned on or before the end of the as-of month, including dates
     already past (behind schedule, awaiting approval, blocked): late work is
     still expected, now, rather than dropped;
   - each later month: the ones planned in that month, up to the window end
     ``min(as-of + 90 days, last day of the third month after the as-of
     month)``;
   - a blank Planned Date counts only when Ready to Invoice;
   - a Rejected milestone is left out.
4. Left of the figures, **one small column chart per currency** of its
   expected billing (``CHART_SLOTS`` of them, ``CHART_GRID_COLUMNS``
   across), each on its own scale so JPY millions do not flatten KWD
   thousands, under a band naming the currency. A chart draws nothing but
   its bars, their labels and the month names: no frame, no axis line, no
   gridlines. The month names come from helper cells that are blank for a
   slot without a currency, so a slot not in use (every slot of a blank
   template) shows nothing at all: no empty frame. The charts have no
   title or legend: LibreOffice shows a cell-linked chart title as "Chart
   Title" and an empty series name as "Row N".
5. **Timeline** (page 2): the first ``TIMELINE_ROWS`` milestones in sheet
   order, one per row (INDEX into tblMilestones by row number), against
   twelve months starting two months before the as-of month. A month cell
   shows ``●`` in the Planned Date month, ``◆`` in the invoice Due Date
   month and ``$`` in a month with a payment on the milestone's invoice;
   marked cells are coloured by the milestone's Flag (red Overdue, amber Due
   Soon, green Ready to Invoice, ...). The as-of month is outlined.

Hidden helper rows under the timeline (outside the print area) hold each
slot's currency digits (the number formats follow them: JPY ``#,##0``,
KWD ``#,##0.000``) and its chart's month names.
"""
from __future__ import annotations

from copy import copy

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.xml.functions import Element
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from ..xlsx.ooxml import col_letters

from ..core import words as W
from ..workbook import contract as C
from .styles import FLAG_STYLES, flag_rule
from .formulas import AS_OF, col, digits_of, q

TIMELINE_ROWS = 50
TIMELINE_MONTHS = 12
#: the timeline starts this many months before the as-of month
TIMELINE_LEAD = 2
FORECAST_MONTHS = 4
FORECAST_DAYS = 90
AGING_BUCKETS = W.BUCKETS
TOTALS = ("contract", "billed", "unbilled", "collected", "outstanding", "overdue", "credit")
TOTAL_LABELS = ("Contract", "Billed", "Unbilled", "Collected", "Outstanding", "Overdue",
                "Unapplied credit")

MONEY = "#,##0.00"

# ---------------------------------------------------------------- columns
LABEL_COL = 8                      # H: what each row is (the timeline's Flag column)
SLOT_COL0 = LABEL_COL + 1          # I: the first currency; one column per currency on
#: slots the conditional formats (digits, header colours, rule lines) cover;
#: a book with more currencies still gets every figure, in plain format
FORMAT_SLOTS = 100
# timeline columns (B..H), then its months from column I
TL_COLUMNS = ("Milestone ID", "Project ID", "Milestone", "Planned Date",
              "Invoice No", "Due Date", "Flag")
TL_MONTH0 = 2 + len(TL_COLUMNS)    # I
#: column widths: the timeline's columns; the chart panels span two each
WIDTHS = {"A": 2, "B": 14, "C": 15, "D": 18, "E": 13, "F": 16, "G": 13, "H": 20}
SLOT_WIDTH = 12                    # a currency column, also a timeline month

# ------------------------------------------------------------------- rows
TITLE_ROW = 1
AS_OF_CELL = "C2"
TOTALS_TITLE = 4
TOTALS_HEADER = TOTALS_TITLE + 1
TOTALS_FIRST = TOTALS_HEADER + 1
AGING_TITLE = TOTALS_FIRST + len(TOTALS) + 1
AGING_HEADER = AGING_TITLE + 1
AGING_FIRST = AGING_HEADER + 1
DSO_ROW = AGING_FIRST + len(AGING_BUCKETS)
FORECAST_TITLE = DSO_ROW + 2
FORECAST_HEADER = FORECAST_TITLE + 1
FORECAST_FIRST = FORECAST_HEADER + 1
WAITING_ROW = FORECAST_FIRST + FORECAST_MONTHS      # approved, unbilled
LONGEST_ROW = WAITING_ROW + 1
AVERAGES_ROW = LONGEST_ROW + 2                      # days to approval, then to payment

# the chart grid, left of the figures: per panel a band row naming the
# currency over CHART_ROWS rows of chart, two timeline columns wide
CHART_SLOTS = 9
CHART_TITLE = "Expected billing by month, net of tax: one scale per currency"
CHART_GRID_COLUMNS = 3
CHART_PANEL_COLS = 2
CHART_ROWS = 11
CHART_PANEL_ROWS = CHART_ROWS + 1
CHART_TOP = TOTALS_HEADER
CHART_FIRST_COL = 2                                 # B
CHART_GAP_EMU = 57150                               # 6 px kept free on each side
CHART_NOTE_ROW = CHART_TOP + CHART_PANEL_ROWS * -(-CHART_SLOTS // CHART_GRID_COLUMNS)
#: page 1 ends here (figures and charts); the timeline starts page 2
PAGE_BREAK_AFTER = CHART_NOTE_ROW
assert AVERAGES_ROW + 1 < PAGE_BREAK_AFTER

TIMELINE_TITLE = PAGE_BREAK_AFTER + 2
TIMELINE_HEADER = TIMELINE_TITLE + 2
TIMELINE_FIRST = TIMELINE_HEADER + 1
TIMELINE_LAST = TIMELINE_FIRST + TIMELINE_ROWS - 1
# hidden helper rows under the timeline, outside the print area
DIGITS_ROW = TIMELINE_LAST + 2
CHART_MONTHS_ROW = DIGITS_ROW + 1                   # FORECAST_MONTHS rows

_M = C.MILESTONES.name
_I = C.INVOICES.name
_P = C.PROJECTS.name
_PAY = C.PAYMENTS.name

_TITLE_FONT = Font(size=16, bold=True, color="FF1F4E78")
_BLOCK_FONT = Font(size=12, bold=True, color="FF1F4E78")
_HEAD_FONT = Font(bold=True, color="FFFFFFFF")
_HEAD_FILL = PatternFill("solid", start_color="FF1F4E78", end_color="FF1F4E78")
_GREY = Font(color="FF7F7F7F", italic=True)
_THIN = Side(style="thin", color="FFBFBFBF")


def _addr(row: int, column: int) -> str:
    return f"{col_letters(column)}{row}"


def slot_column(slot: int) -> int:
    """The 1-based column of currency ``slot`` (0-based)."""
    return SLOT_COL0 + slot


def slot_letter(slot: int) -> str:
    return col_letters(slot_column(slot))


def chart_panel(slot: int) -> tuple[int, int]:
    """(row, column), 1-based, of the band cell over ``slot``'s chart."""
    across, down = slot % CHART_GRID_COLUMNS, slot // CHART_GRID_COLUMNS
    return CHART_TOP + down * CHART_PANEL_ROWS, CHART_FIRST_COL + across * CHART_PANEL_COLS


def _slot_rows() -> dict[tuple, int]:
    """Slot key (without the slot number) -> row."""
    rows = {("currency",): TOTALS_HEADER, ("digits",): DIGITS_ROW,
            ("aging_currency",): AGING_HEADER, ("dso",): DSO_ROW,
            ("forecast_currency",): FORECAST_HEADER,
            ("approved_unbilled",): WAITING_ROW, ("longest_wait",): LONGEST_ROW}
    for k, name in enumerate(TOTALS):
        rows[(f"total_{name}",)] = TOTALS_FIRST + k
    for k, bucket in enumerate(AGING_BUCKETS):
        rows[("aging", bucket)] = AGING_FIRST + k
    for m in range(FORECAST_MONTHS):
        rows[("forecast", m)] = FORECAST_FIRST + m
    return rows


_SLOT_ROWS = _slot_rows()


def cell_of(key: tuple) -> str:
    """Where a figure lives. Per currency slot (0-based, any number):
    ("currency", s) the code (a value refresh writes), ("digits", s),
    ("total_<name>", s) for TOTALS, ("aging", s, bucket), ("dso", s),
    ("forecast", s, m), ("approved_unbilled", s), ("longest_wait", s), and
    the echoes of the code over the blocks ("aging_currency", s),
    ("forecast_currency", s). For the first CHART_SLOTS slots:
    ("chart_currency", s) (the band over its chart) and ("chart_month", s, m)
    (its month names). Once: ("as_of", 0), ("forecast_month", m),
    ("days_to_approval", 0), ("days_to_payment", 0), ("chart_title", 0),
    ("chart_note", 0),
    ("timeline_month", j), ("timeline", i, header), ("timeline_cell", i, j).
    Slots, months and rows count from 0."""
    name = key[0]
    if name in ("as_of",):
        return AS_OF_CELL
    if name == "forecast_month":
        return _addr(FORECAST_FIRST + key[1], LABEL_COL)
    if name == "days_to_approval":
        return _addr(AVERAGES_ROW, SLOT_COL0)
    if name == "days_to_payment":
        return _addr(AVERAGES_ROW + 1, SLOT_COL0)
    if name == "chart_note":
        return _addr(CHART_NOTE_ROW, CHART_FIRST_COL)
    if name == "chart_title":
        return _addr(TOTALS_TITLE, CHART_FIRST_COL)
    if name == "chart_currency":
        return _addr(*chart_panel(key[1]))
    if name == "chart_month":
        return _addr(CHART_MONTHS_ROW + key[2], slot_column(key[1]))
    if name == "timeline_month":
        return _addr(TIMELINE_HEADER, TL_MONTH0 + key[1])
    if name == "timeline":
        return _addr(TIMELINE_FIRST + key[1], 2 + TL_COLUMNS.index(key[2]))
    if name == "timeline_cell":
        return _addr(TIMELINE_FIRST + key[1], TL_MONTH0 + key[2])
    row = _SLOT_ROWS[(name,) + tuple(key[2:])]
    return _addr(row, slot_column(key[1]))


def slot_keys(slot: int) -> list[tuple]:
    """Every key of one currency slot (those cell_of places in its column)."""
    return [(k[0], slot, *k[1:]) for k in _SLOT_ROWS]


def _open_invoices(cur: str) -> str:
    """SUMIFS criteria pairs selecting open invoice balances in ``cur``."""
    return (f'{col(_I, "Balance")},{col(_I, "Currency")},{cur},{col(_I, "Type")},{q("<>" + W.CREDIT_NOTE)},'
            f'{col(_I, "Status")},{q("<>" + W.VOID)},{col(_I, "Balance")},">0"')


def slot_formulas(slot: int) -> dict[str, str]:
    """Cell -> formula text of every formula of currency ``slot``; each
    reads the slot's code from its header cell and gives "" while that is
    blank. (The code itself is a value: refresh writes it.)"""
    L = slot_letter(slot)
    cur = f"{L}${TOTALS_HEADER}"
    dig = f"{L}${DIGITS_ROW}"
    forms: dict[str, str] = {}

    def put(key: tuple, text: str) -> None:
        forms[cell_of((key[0], slot, *key[1:]))] = text

    def money(key: tuple, expr: str) -> None:
        put(key, f'IF({cur}="","",ROUND({expr},{dig}))')

    put(("digits",), f'IF({cur}="","",{digits_of(cur)})')
    put(("aging_currency",), f'IF({cur}="","",{cur})')
    put(("forecast_currency",), f'IF({cur}="","",{cur})')
    eff = col(_P, "Eff Currency")
    sums = {
        "contract": f'SUMIFS({col(_P, "Contract Value")},{eff},{cur})',
        "billed": f'SUMIFS({col(_P, "Billed")},{eff},{cur})',
        "unbilled": f'SUMIFS({col(_P, "Unbilled")},{eff},{cur})',
        "collected": f'SUMIFS({col(_P, "Collected")},{eff},{cur})',
        "outstanding": f'SUMIFS({col(_P, "Outstanding")},{eff},{cur})',
        "overdue": f'SUMIFS({_open_invoices(cur)},{col(_I, "Due Date")},"<"&{AS_OF})',
        # money received on voided invoices that no new invoice took
        "credit": (f'-SUMIFS({col(_I, "Balance")},{col(_I, "Currency")},{cur},'
                   f'{col(_I, "Type")},{q("<>" + W.CREDIT_NOTE)},{col(_I, "Status")},{q(W.VOID)},'
                   f'{col(_I, "Balance")},"<0")'),
    }
    for name in TOTALS:
        money((f"total_{name}",), sums[name])
    # aging (rule 8)
    due = col(_I, "Due Date")
    crit = {
        W.CURRENT: f'{due},">="&{AS_OF}',  # + no due date, below
        W.D1_30: f'{due},"<"&{AS_OF},{due},">="&({AS_OF}-30)',
        W.D31_60: f'{due},"<"&({AS_OF}-30),{due},">="&({AS_OF}-60)',
        W.D61_90: f'{due},"<"&({AS_OF}-60),{due},">="&({AS_OF}-90)',
        W.D90_PLUS: f'{due},"<"&({AS_OF}-90)',
    }
    for bucket in AGING_BUCKETS:
        expr = f'SUMIFS({_open_invoices(cur)},{crit[bucket]})'
        if bucket == W.CURRENT:  # an open invoice without a due date is Current
            expr += f'+SUMIFS({_open_invoices(cur)},{due},"")'
        money(("aging", bucket), expr)
    # DSO by countback (core/metrics.py): the open total against the sales
    # of the newest 30 days, then the 30 before, ...
    first, last = _addr(AGING_FIRST, slot_column(slot)), _addr(DSO_ROW - 1, slot_column(slot))
    open_total = f"SUM({first}:{last})"
    sales = []
    for k in range(3):      # the newest 30 days first
        hi, lo = f"{AS_OF}-{30 * k}", f"{AS_OF}-{30 * k + 29}"
        sales.append(f'SUMIFS({col(_I, "Total")},{col(_I, "Currency")},{cur},{col(_I, "Type")},'
                     f'{q("<>" + W.CREDIT_NOTE)},{col(_I, "Status")},{q("<>" + W.VOID)},{col(_I, "Issue Date")},'
                     f'">="&({lo}),{col(_I, "Issue Date")},"<="&({hi}))')
    s1, s2, s3 = sales
    put(("dso",), f'IF({cur}="","",IF({open_total}<=0,0,IF({open_total}<={s1},'
                  f'ROUND(30*{open_total}/{s1},1),IF({open_total}<={s1}+{s2},'
                  f'ROUND(30+30*({open_total}-{s1})/{s2},1),IF({open_total}<={s1}+{s2}+{s3},'
                  f'ROUND(60+30*({open_total}-{s1}-{s2})/{s3},1),"more than 90")))))')
    # expected billing
    m_cur = col(_M, "Project Currency")
    base = (f'{col(_M, "Amount")},{m_cur},{cur},'
            f'{col(_M, "Invoice No")},"",{col(_M, "Status")},{q("<>" + W.CANCELLED)},'
            f'{col(_M, "Flag")},{q("<>" + W.READY_TO_INVOICE)},{col(_M, "Flag")},'
            f'{q("<>" + W.REJECTED)}')
    planned = col(_M, "Planned Date")
    # window end: min(as-of + 90 days, end of the third month after)
    end = f"MIN({AS_OF}+{FORECAST_DAYS},EOMONTH({AS_OF},{FORECAST_MONTHS - 1}))"
    for m in range(FORECAST_MONTHS):
        hi = f'"<="&MIN(EOMONTH({AS_OF},{m}),{end})'
        if m == 0:  # late work (planned before the as-of date) is expected now
            expr = (f'SUMIFS({col(_M, "Amount")},{m_cur},{cur},{col(_M, "Flag")},'
                    f'{q(W.READY_TO_INVOICE)})+SUMIFS({base},{planned},{hi})')
        else:
            expr = f'SUMIFS({base},{planned},">"&EOMONTH({AS_OF},{m - 1}),{planned},{hi})'
        money(("forecast", m), expr)
    # approved but not billed (Ready to Invoice or Blocked) and its longest wait
    flag = col(_M, "Flag")
    money(("approved_unbilled",),
          f'SUMIFS({col(_M, "Amount")},{m_cur},{cur},{flag},{q(W.READY_TO_INVOICE)})'
          f'+SUMIFS({col(_M, "Amount")},{m_cur},{cur},{flag},{q(W.BLOCKED)})')
    count = (f'COUNTIFS({m_cur},{cur},{flag},{q(W.READY_TO_INVOICE)})'
             f'+COUNTIFS({m_cur},{cur},{flag},{q(W.BLOCKED)})')
    waiting = (f'(({m_cur}={cur})*(({flag}={q(W.READY_TO_INVOICE)})+({flag}={q(W.BLOCKED)}))'
               f'*ISNUMBER({col(_M, "Approval Date")}))')
    # never negative: an approval dated after the as-of date waited 0 days
    put(("longest_wait",), f'IF(OR({cur}="",{count}=0),"",MAX(0,SUMPRODUCT(MAX({waiting}*'
                           f'({AS_OF}-{col(_M, "Approval Date")})))))')
    return forms


def _fixed_formulas() -> dict[str, str]:
    """Every formula cell that does not belong to one currency column."""
    forms = {AS_OF_CELL: AS_OF}
    for m in range(FORECAST_MONTHS):
        forms[cell_of(("forecast_month", m))] = f"EOMONTH({AS_OF},{m - 1})+1"
    forms[cell_of(("days_to_approval", 0))] = \
        f'IFERROR(ROUND(AVERAGE({col(_M, "Approval Days")}),1),"")'
    forms[cell_of(("days_to_payment", 0))] = \
        f'IFERROR(ROUND(AVERAGE({col(_I, "Days To Pay")}),1),"")'
    # the charts' title shows once there is a chart
    forms[cell_of(("chart_title", 0))] = (f'IF(${slot_letter(0)}${TOTALS_HEADER}="","",'
                                          f'{q(CHART_TITLE)})')
    for s in range(CHART_SLOTS):
        cur = f"${slot_letter(s)}${TOTALS_HEADER}"
        forms[cell_of(("chart_currency", s))] = f'IF({cur}="","",{cur})'
        for m in range(FORECAST_MONTHS):
            month = cell_of(("forecast_month", m))
            forms[cell_of(("chart_month", s, m))] = \
                f'IF({cur}="","",${month[0]}${month[1:]})'
    # timeline
    for j in range(TIMELINE_MONTHS):
        forms[cell_of(("timeline_month", j))] = f"EOMONTH({AS_OF},{j - TIMELINE_LEAD - 1})+1"
    for i in range(TIMELINE_ROWS):
        r = TIMELINE_FIRST + i
        key = f"$B{r}"
        for k, h in enumerate(TL_COLUMNS):
            a = cell_of(("timeline", i, h))
            if k == 0:
                forms[a] = f'IFERROR(INDEX({col(_M, h)},{i + 1})&"","")'
            elif h in ("Planned Date", "Due Date"):
                v = f"INDEX({col(_M, h)},{i + 1})"
                forms[a] = f'IF({key}="","",IF(ISNUMBER({v}),{v},""))'
            else:
                forms[a] = f'IF({key}="","",INDEX({col(_M, h)},{i + 1})&"")'
        planned, inv, due = f"$E{r}", f"$F{r}", f"$G{r}"
        for j in range(TIMELINE_MONTHS):
            c = col_letters(TL_MONTH0 + j)
            start = f"{c}${TIMELINE_HEADER}"
            end = f"EOMONTH({start},0)"
            forms[cell_of(("timeline_cell", i, j))] = (
                f'IF({key}="","",'
                f'IF(AND(ISNUMBER({planned}),{planned}>={start},{planned}<={end}),"●","")'
                f'&IF(AND(ISNUMBER({due}),{due}>={start},{due}<={end}),"◆","")'
                f'&IF({inv}="","",IF(COUNTIFS({col(_PAY, "Invoice No")},{inv},'
                f'{col(_PAY, "Payment Date")},">="&{start},'
                f'{col(_PAY, "Payment Date")},"<="&{end})>0,"$","")))')
    return forms


FIXED_FORMULAS: dict[str, str] = _fixed_formulas()


def dashboard_formulas(slots: int) -> dict[str, str]:
    """Cell -> formula text (no leading "=") of every formula cell of a
    Dashboard showing ``slots`` currencies."""
    out = dict(FIXED_FORMULAS)
    for s in range(slots):
        out.update(slot_formulas(s))
    return out


def _header(ws, row: int, labels: list[str], first_col: int = 2) -> None:
    for k, label in enumerate(labels):
        c = ws.cell(row=row, column=first_col + k, value=label)
        c.font = _HEAD_FONT
        c.fill = _HEAD_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


class _ColumnChart(BarChart):
    """A column chart whose automatic title stays off: Excel would otherwise
    title a one-series chart with its series name, LibreOffice would not."""

    # openpyxl's metaclass serialises only what a class body declares
    __attrs__ = BarChart.__attrs__
    __nested__ = BarChart.__nested__
    __elements__ = BarChart.__elements__

    def _write(self):
        tree = super()._write()
        tree.find("chart").insert(0, Element("autoTitleDeleted", val="1"))
        # openpyxl writes no sourceLinked on data labels; LibreOffice then
        # uses the cells' format (36,000.00) instead of ours
        for fmt in tree.iter("numFmt"):
            fmt.set("sourceLinked", "0")
        return tree


# one label format for every currency: 36.0k, 14.3k, 6.7M, 250, and
# nothing on a zero month
_LABEL_FORMAT = '[>=1000000]#,##0.0,,"M";[>=1000]#,##0.0,"k";#,###'
_BAR = "2E75B6"


def _invisible() -> GraphicalProperties:
    return GraphicalProperties(noFill=True, ln=LineProperties(noFill=True))


def _forecast_chart(slot: int) -> BarChart:
    """One currency slot's expected billing by month, on its own scale:
    bars, their labels and the month names only, so a slot without a
    currency (blank values, blank month names) draws nothing."""
    L = slot_letter(slot)
    sheet = f"'{C.DASHBOARD_SHEET}'"
    chart = _ColumnChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = None
    chart.legend = None
    chart.gapWidth = 60
    chart.visible_cells_only = False     # the month names live in hidden rows
    chart.add_data(Reference(range_string=(
        f"{sheet}!${L}${FORECAST_FIRST}:${L}${FORECAST_FIRST + FORECAST_MONTHS - 1}")))
    chart.set_categories(Reference(range_string=(
        f"{sheet}!${L}${CHART_MONTHS_ROW}:${L}${CHART_MONTHS_ROW + FORECAST_MONTHS - 1}")))
    series = chart.series[0]
    series.tx = SeriesLabel(strRef=StrRef(f"{sheet}!${L}${TOTALS_HEADER}"))
    series.graphicalProperties.solidFill = _BAR
    series.graphicalProperties.line.noFill = True
    series.dLbls = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                 showLegendKey=False, showPercent=False,
                                 numFmt=_LABEL_FORMAT, dLblPos="outEnd")
    # room above the plot for the tallest bar's label
    chart.plot_area.layout = Layout(manualLayout=ManualLayout(
        layoutTarget="inner", xMode="edge", yMode="edge", x=0.04, y=0.14, w=0.92, h=0.72))
    chart.graphical_properties = _invisible()
    chart.plot_area.graphicalProperties = _invisible()
    # no value axis (the labels carry the amounts) and no gridlines; the
    # month axis shows its names only
    chart.y_axis.delete = True
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = False      # openpyxl 3.1 leaves <c:delete> out: Excel hides the axis
    chart.x_axis.number_format = "mmm yy"
    chart.x_axis.axPos = "b"
    chart.x_axis.majorTickMark = "none"
    chart.x_axis.graphicalProperties = _invisible()
    return chart


def _forecast_charts(ws) -> None:
    """The small multiples: per chart slot a band naming the currency (dark
    while the slot holds one, blank otherwise) over its chart."""
    ws[cell_of(("chart_title", 0))].font = _BLOCK_FONT
    white = Side(style="thick", color="FFFFFFFF")
    col_px = {letter: int(w * 7 + 5) for letter, w in WIDTHS.items()}
    for s in range(CHART_SLOTS):
        row, column = chart_panel(s)
        for k in range(CHART_PANEL_COLS):
            c = ws.cell(row=row, column=column + k)
            c.font = _HEAD_FONT
            c.alignment = Alignment(horizontal="centerContinuous", vertical="center")
            # white edges part neighbouring bands
            c.border = Border(left=white if k == 0 else None,
                              right=white if k == CHART_PANEL_COLS - 1 else None)
        band = f"{_addr(row, column)}:{_addr(row, column + CHART_PANEL_COLS - 1)}"
        ws.conditional_formatting.add(band, FormulaRule(
            formula=[f'${col_letters(column)}${row}<>""'], fill=_HEAD_FILL))
        chart = _forecast_chart(s)
        last = column + CHART_PANEL_COLS - 1
        width = col_px[col_letters(last)] * 9525
        # two-cell anchor: the chart fills its panel's cells in any app
        chart.anchor = TwoCellAnchor(
            editAs="oneCell",
            _from=AnchorMarker(col=column - 1, row=row, colOff=CHART_GAP_EMU, rowOff=0),
            to=AnchorMarker(col=last - 1, row=row + CHART_ROWS, colOff=width - CHART_GAP_EMU,
                            rowOff=0))
        ws.add_chart(chart)


def dashboard_print_area(slots: int = 0) -> tuple[int, int]:
    """(last row, last column) the Dashboard prints with ``slots``
    currencies: the timeline's last row, and the wider of the timeline and
    the currency columns."""
    return TIMELINE_LAST, max(TL_MONTH0 + TIMELINE_MONTHS - 1, SLOT_COL0 + slots - 1)


def _label(ws, row: int, text: str, **style) -> None:
    c = ws.cell(row=row, column=LABEL_COL, value=text)
    c.border = Border(bottom=_THIN)
    for k, v in style.items():
        setattr(c, k, v)


def _figure_formats(ws, money_rows: list[int], digit_values) -> None:
    """Conditional formats of the figures: a rule line under each figure of
    a column in use, the currency's minor unit (the column's Digits: JPY
    ``#,##0``, KWD ``#,##0.000``), overdue amounts in red. LibreOffice
    applies only the first matching rule to a cell, so each group of rows
    gets one list of rules, each rule carrying everything its cells show
    (digits and red and the line), most particular first."""
    first = col_letters(SLOT_COL0)
    last = col_letters(SLOT_COL0 + FORMAT_SLOTS - 1)
    line = Border(bottom=_THIN)
    in_use = f'{first}${TOTALS_HEADER}<>""'
    digits = sorted(set(digit_values) - {2})
    overdue = TOTALS_FIRST + TOTALS.index("overdue")
    late = list(range(AGING_FIRST + 1, AGING_FIRST + len(AGING_BUCKETS)))
    red_bold, red = Font(color="FF9C0006", bold=True), Font(color="FF9C0006")
    groups = [([overdue], red_bold), (late, red),
              ([r for r in money_rows if r != overdue and r not in late], None),
              ([DSO_ROW, LONGEST_ROW], None)]
    for rows, font in groups:
        money = rows[0] in money_rows
        sqref = " ".join(f"{first}{r}:{last}{r}" for r in rows)
        top = f"{first}{rows[0]}"
        shades = [(f"N({top})>0", font)] if font is not None else []
        shades.append((None, None))
        for cond, shade in shades:
            for k in (digits if money else []) + [None]:
                terms = [t for t in (cond, in_use if k is not None else None,
                                     f"{first}${DIGITS_ROW}={k}" if k is not None else None) if t]
                formula = (f"AND({','.join(terms)})" if len(terms) > 1
                           else terms[0] if terms else in_use)
                num = None
                if k is not None:
                    num = NumberFormat(numFmtId=300 + k,
                                       formatCode="#,##0" + ("." + "0" * k if k else ""))
                ws.conditional_formatting.add(sqref, Rule(
                    type="expression", formula=[formula],
                    dxf=DifferentialStyle(font=shade, numFmt=num, border=line)))


def build_dashboard(ws, digit_values, currencies=()) -> None:
    """Lay out the Dashboard sheet ``ws`` (formulas, formats, charts), with
    ``currencies`` (codes, as refresh orders them) in its currency columns."""
    ws.sheet_view.showGridLines = False
    for letter, w in WIDTHS.items():
        ws.column_dimensions[letter].width = w
    ws["B1"] = "Milestone billing dashboard"
    ws["B1"].font = _TITLE_FONT
    ws.row_dimensions[TITLE_ROW].height = 24  # room for the 16 pt title
    ws["B2"] = "As of"
    ws["B2"].font = Font(bold=True)
    ws["D2"] = "Set Settings > As Of Date to look at a past date; blank means today."
    ws["D2"].font = _GREY
    ws[AS_OF_CELL].number_format = "yyyy-mm-dd"
    ws[AS_OF_CELL].font = Font(bold=True)

    for addr, text in dashboard_formulas(len(currencies)).items():
        ws[addr] = "=" + text
    for s, code in enumerate(currencies):
        ws[cell_of(("currency", s))] = code

    # block titles, header rows and row names in column H
    last = col_letters(SLOT_COL0 + FORMAT_SLOTS - 1)
    for title, header, name, text in (
            (TOTALS_TITLE, TOTALS_HEADER, "Currency", "Totals by currency"),
            (AGING_TITLE, AGING_HEADER, "Days past due",
             "Aging of open invoice balances (days past due)"),
            (FORECAST_TITLE, FORECAST_HEADER, "Month",
             "Expected billing: as-of month and the next three")):
        ws.cell(row=title, column=LABEL_COL, value=text).font = _BLOCK_FONT
        _header(ws, header, [name], first_col=LABEL_COL)
        # the currency codes over the columns: centred (the row's format, so
        # every column has it), coloured while there is a code
        ws.row_dimensions[header].alignment = Alignment(horizontal="center")
        ws.conditional_formatting.add(
            f"{col_letters(SLOT_COL0)}{header}:{last}{header}",
            FormulaRule(formula=[f'{col_letters(SLOT_COL0)}{header}<>""'],
                        font=_HEAD_FONT, fill=_HEAD_FILL))
    for k, text in enumerate(TOTAL_LABELS):
        _label(ws, TOTALS_FIRST + k, text)
    for k, bucket in enumerate(AGING_BUCKETS):
        _label(ws, AGING_FIRST + k, bucket)
    _label(ws, DSO_ROW, "DSO (days)")
    for m in range(FORECAST_MONTHS):
        _label(ws, FORECAST_FIRST + m, None, number_format="mmm yyyy",
               alignment=Alignment(horizontal="left"))
    _label(ws, WAITING_ROW, "Approved, unbilled")
    _label(ws, LONGEST_ROW, "Longest wait (days)")
    ws.cell(row=AVERAGES_ROW, column=LABEL_COL, value="Days to approval")
    ws.cell(row=AVERAGES_ROW + 1, column=LABEL_COL, value="Days to full payment")
    for r in (AVERAGES_ROW, AVERAGES_ROW + 1):
        ws.cell(row=r, column=SLOT_COL0).alignment = Alignment(horizontal="right")

    # the figures: the rows' own formats, so a currency column written
    # later (any number of them) looks like the first
    money_rows = ([TOTALS_FIRST + k for k in range(len(TOTALS))]
                  + [AGING_FIRST + k for k in range(len(AGING_BUCKETS))]
                  + [FORECAST_FIRST + m for m in range(FORECAST_MONTHS)] + [WAITING_ROW])
    for r in money_rows:
        ws.row_dimensions[r].number_format = MONEY
    for r in (DSO_ROW, LONGEST_ROW):
        ws.row_dimensions[r].alignment = Alignment(horizontal="right")
    _figure_formats(ws, money_rows, digit_values)
    for s in range(FORMAT_SLOTS):
        ws.column_dimensions[slot_letter(s)].width = SLOT_WIDTH

    # the figures written now take their row's format, as refresh's do
    for s in range(len(currencies)):
        for key in slot_keys(s):
            cell = ws[cell_of(key)]
            row = ws.row_dimensions[cell.row]
            if row.customFormat:
                cell._style = copy(row._style)

    _forecast_charts(ws)

    # timeline
    ws.cell(row=TIMELINE_TITLE, column=2, value="Milestone timeline").font = _BLOCK_FONT
    ws.cell(row=TIMELINE_TITLE + 1, column=2, value=(
        f"First {TIMELINE_ROWS} milestones in sheet order.  ● planned   ◆ invoice due   "
        "$ payment received   colour = flag (red Overdue, amber Due Soon, green Ready to "
        "Invoice, orange Behind Schedule / Approval Overdue, grey Paid)")).font = _GREY
    _header(ws, TIMELINE_HEADER, list(TL_COLUMNS))
    first_m = col_letters(TL_MONTH0)
    last_m = col_letters(TL_MONTH0 + TIMELINE_MONTHS - 1)
    for j in range(TIMELINE_MONTHS):
        c = ws.cell(row=TIMELINE_HEADER, column=TL_MONTH0 + j)
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
        c.number_format = "mmm yy"
        c.alignment = Alignment(horizontal="center")
    for i in range(TIMELINE_ROWS):
        r = TIMELINE_FIRST + i
        for k, h in enumerate(TL_COLUMNS):
            c = ws.cell(row=r, column=2 + k)
            if h.endswith("Date"):
                c.number_format = "yyyy-mm-dd"
            if h.endswith("Date") or h == "Invoice No":  # else a date runs into its neighbour
                c.alignment = Alignment(horizontal="center")
            elif h == "Milestone":  # a long name is cut at the column, not spilled
                c.alignment = Alignment(shrink_to_fit=True)
        for j in range(TIMELINE_MONTHS):
            ws.cell(row=r, column=TL_MONTH0 + j).alignment = Alignment(horizontal="center")
    flag_col = col_letters(1 + len(TL_COLUMNS))
    months = f"{first_m}{TIMELINE_FIRST}:{last_m}{TIMELINE_LAST}"
    flags = f"{flag_col}{TIMELINE_FIRST}:{flag_col}{TIMELINE_LAST}"
    for word in FLAG_STYLES:
        ws.conditional_formatting.add(months, flag_rule(
            f'AND({first_m}{TIMELINE_FIRST}<>"",${flag_col}{TIMELINE_FIRST}="{word}")', word))
        ws.conditional_formatting.add(flags, flag_rule(
            f'${flag_col}{TIMELINE_FIRST}="{word}"', word))
    # outline the as-of month
    ws.conditional_formatting.add(months, FormulaRule(
        formula=[f'AND($B{TIMELINE_FIRST}<>"",{AS_OF}>={first_m}${TIMELINE_HEADER},'
                 f"{AS_OF}<=EOMONTH({first_m}${TIMELINE_HEADER},0))"],
        border=Border(left=Side(style="medium", color="FF1F4E78"),
                      right=Side(style="medium", color="FF1F4E78"))))
    # rule lines on the rows that show a milestone only (no empty ruled
    # rows); lowest priority and its own range, so LibreOffice, which
    # applies the first matching rule of a range, still shows the flags
    ws.conditional_formatting.add(
        f"B{TIMELINE_FIRST}:{last_m}{TIMELINE_LAST}",
        FormulaRule(formula=[f'$B{TIMELINE_FIRST}<>""'], border=Border(left=_THIN, bottom=_THIN)))

    # helper rows: the currency digits and the charts' month names
    ws.cell(row=DIGITS_ROW, column=LABEL_COL, value="Digits").font = _GREY
    for m in range(FORECAST_MONTHS):
        r = CHART_MONTHS_ROW + m
        ws.cell(row=r, column=LABEL_COL, value="Chart month").font = _GREY
        for s in range(CHART_SLOTS):
            ws.cell(row=r, column=slot_column(s)).number_format = "mmm yy"
    for r in range(DIGITS_ROW, CHART_MONTHS_ROW + FORECAST_MONTHS):
        ws.row_dimensions[r].hidden = True
    ws.freeze_panes = None
