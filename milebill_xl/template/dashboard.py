"""The Dashboard sheet: where each figure lives and the formula behind it.

Everything on the Dashboard is a formula over the tables, driven by the
``AsOfDate`` name, so it is right in Excel without any Python. The
``refresh`` command writes cached values into the same cells (so previews
and readers that do not recalculate show figures) using
:data:`DASHBOARD_CELLS` (what is where) and :data:`DASHBOARD_FORMULAS`
(cell -> formula text, no leading ``=``).

Blocks, top to bottom:

1. **Totals per currency** in ``CURRENCY_SLOTS`` rows. The currency code
   cells are plain values the ``refresh`` command fills with the
   currencies in use (first slot defaults to the formula
   ``=DefaultCurrency``). Per slot: Contract (sum of Contract Value),
   Billed, Unbilled, Collected, Outstanding (sums of the Projects columns of
   that effective currency), Overdue (open balances of invoices, not
   void, whose Due Date is before the as-of date) and Unapplied credit
   (minus the negative Balances of voided invoices: money received that no
   new invoice has taken).
2. **Aging** of open invoice balances per slot (rule 8): invoices of Type
   Invoice, not Void, Balance > 0, by days = as-of - Due Date: Current
   (<= 0), 1-30, 31-60, 61-90, 90+.
3. **Expected billing**, the as-of month and the next three months per
   slot; the same rule as ``core/dashboard.py``. Beside the tables, one
   small column chart per slot (``CHART_GRID_COLUMNS`` across), each on its
   own scale so JPY millions do not flatten KWD thousands; the band above
   each chart shows the slot's currency (a formula over the currency cell,
   so it is right in Excel and LibreOffice without any Python). The charts
   have no title or legend: LibreOffice shows a cell-linked chart title as
   "Chart Title" and an empty series name as "Row N".
   Unissued (Invoice No blank), non-cancelled milestones at their
   ``Amount`` (net of tax), in the project's currency:

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
4. **Timeline**: the first ``TIMELINE_ROWS`` milestones in sheet order, one
   per row (INDEX into tblMilestones by row number), against twelve months
   starting two months before the as-of month. A month cell shows ``●`` in
   the Planned Date month, ``◆`` in the invoice Due Date month and ``$`` in
   a month with a payment on the milestone's invoice; marked cells are
   coloured by the milestone's Flag (red Overdue, amber Due Soon, green
   Ready to Invoice, ...). The as-of month is outlined.
"""
from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.chart.series import SeriesLabel
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
from .formulas import AS_OF, DEFAULT_CURRENCY, col, digits_of, q

CURRENCY_SLOTS = 6
TIMELINE_ROWS = 50
TIMELINE_MONTHS = 12
#: the timeline starts this many months before the as-of month
TIMELINE_LEAD = 2
FORECAST_MONTHS = 4
FORECAST_DAYS = 90
AGING_BUCKETS = W.BUCKETS
TOTALS = ("contract", "billed", "unbilled", "collected", "outstanding", "overdue", "credit")

MONEY = "#,##0.00"

# rows of each block (1-based); column B holds the currency / milestone id
TITLE_ROW = 1
AS_OF_CELL = "C2"
TOTALS_HEADER = 4
TOTALS_FIRST = TOTALS_HEADER + 1
AGING_HEADER = TOTALS_FIRST + CURRENCY_SLOTS + 2
AGING_FIRST = AGING_HEADER + 1
FORECAST_HEADER = AGING_FIRST + CURRENCY_SLOTS + 2
FORECAST_FIRST = FORECAST_HEADER + 1
TIMELINE_TITLE = FORECAST_FIRST + CURRENCY_SLOTS + 2
TIMELINE_HEADER = TIMELINE_TITLE + 2
TIMELINE_FIRST = TIMELINE_HEADER + 1
# timeline columns
TL_COLUMNS = ("Milestone ID", "Project ID", "Milestone", "Planned Date",
              "Invoice No", "Due Date", "Flag")
TL_MONTH0 = 2 + len(TL_COLUMNS)  # first month column (1-based)
DIGITS_COL = 3 + len(TOTALS)  # column J: digits helper of the totals block
_DIG = col_letters(DIGITS_COL)
# small multiples of expected billing: a grid of one chart per currency
# slot right of the tables (rows TOTALS_HEADER .. TIMELINE_TITLE - 2); each
# panel is a currency band (one row) over a chart of CHART_ROWS - 1 rows
# and a gap row, CHART_SPAN_COLS columns wide (CHART_GAP_EMU kept free on
# each side of a chart)
CHART_GRID_COLUMNS = 3
CHART_FIRST_COL = DIGITS_COL + 2  # column L
CHART_SPAN_COLS = 4  # columns per panel
CHART_GAP_EMU = 57150  # 6 px
CHART_COL_WIDTH = 8  # the timeline's month column width
_COL_EMU = int(CHART_COL_WIDTH * 7) * 9525  # a CHART_COL_WIDTH column: 7 px a character
CHART_TOP = TOTALS_HEADER
CHART_ROWS = 12
CHART_PANEL_ROWS = CHART_ROWS + 1
assert CHART_TOP + CHART_PANEL_ROWS * -(-CURRENCY_SLOTS // CHART_GRID_COLUMNS) < TIMELINE_TITLE

#: figure name -> cell. Keys: ("as_of", 0); ("currency", slot);
#: ("digits", slot); ("total_<name>", slot) for TOTALS; ("aging", slot,
#: bucket); ("forecast_month", m) (first day of the month); ("forecast",
#: slot, m); ("timeline_month", j); ("timeline", i, header) for TL_COLUMNS;
#: ("timeline_cell", i, j); ("chart_currency", slot) (the band above the
#: slot's chart). Slots, months and rows count from 0.
DASHBOARD_CELLS: dict[tuple, str] = {}
#: cell -> formula text (no leading "="), every formula cell of the sheet
DASHBOARD_FORMULAS: dict[str, str] = {}

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


def chart_panel(slot: int) -> tuple[int, int]:
    """(row, column), 1-based, of the top-left cell of ``slot``'s chart panel."""
    across, down = slot % CHART_GRID_COLUMNS, slot // CHART_GRID_COLUMNS
    return CHART_TOP + down * CHART_PANEL_ROWS, CHART_FIRST_COL + across * CHART_SPAN_COLS


def _open_invoices(cur: str) -> str:
    """SUMIFS criteria pairs selecting open invoice balances in ``cur``."""
    return (f'{col(_I, "Balance")},{col(_I, "Currency")},{cur},{col(_I, "Type")},{q("<>" + W.CREDIT_NOTE)},'
            f'{col(_I, "Status")},{q("<>" + W.VOID)},{col(_I, "Balance")},">0"')


#: cash metrics beside the aging and forecast blocks (core/metrics.py):
#: DSO right of the aging buckets; approved-but-unbilled and its longest
#: wait right of the forecast months; the two averages under the forecast
DSO_COL = 3 + len(AGING_BUCKETS)                 # column H
WAITING_COL = 3 + FORECAST_MONTHS                # column G (H: longest wait)
AVERAGES_ROW = FORECAST_FIRST + CURRENCY_SLOTS   # the row under the forecast slots


def _cash_metrics(cells: dict, forms: dict) -> None:
    m_cur, flag = col(_M, "Project Currency"), col(_M, "Flag")
    waiting = lambda cur: (f'(({m_cur}={cur})*(({flag}={q(W.READY_TO_INVOICE)})+({flag}={q(W.BLOCKED)}))'  # noqa: E731
                           f'*ISNUMBER({col(_M, "Approval Date")}))')
    for s in range(CURRENCY_SLOTS):
        r = AGING_FIRST + s
        cur = f"$B{r}"
        open_total = f"SUM(C{r}:{col_letters(2 + len(AGING_BUCKETS))}{r})"
        sales = []
        for k in range(3):      # the newest 30 days first
            hi, lo = f"{AS_OF}-{30 * k}", f"{AS_OF}-{30 * k + 29}"
            sales.append(f'SUMIFS({col(_I, "Total")},{col(_I, "Currency")},{cur},{col(_I, "Type")},'
                         f'{q("<>" + W.CREDIT_NOTE)},{col(_I, "Status")},{q("<>" + W.VOID)},{col(_I, "Issue Date")},">="&({lo}),'
                         f'{col(_I, "Issue Date")},"<="&({hi}))')
        s1, s2, s3 = sales
        a = _addr(r, DSO_COL)
        cells[("dso", s)] = a
        forms[a] = (f'IF({cur}="","",IF({open_total}<=0,0,IF({open_total}<={s1},'
                    f'ROUND(30*{open_total}/{s1},1),IF({open_total}<={s1}+{s2},'
                    f'ROUND(30+30*({open_total}-{s1})/{s2},1),IF({open_total}<={s1}+{s2}+{s3},'
                    f'ROUND(60+30*({open_total}-{s1}-{s2})/{s3},1),"more than 90")))))')
        r = FORECAST_FIRST + s
        cur = f"$B{r}"
        dig = f"${_DIG}{TOTALS_FIRST + s}"
        a = _addr(r, WAITING_COL)
        cells[("approved_unbilled", s)] = a
        forms[a] = (f'IF({cur}="","",ROUND(SUMIFS({col(_M, "Amount")},{m_cur},{cur},{flag},'
                    f'{q(W.READY_TO_INVOICE)})+SUMIFS({col(_M, "Amount")},{m_cur},{cur},{flag},{q(W.BLOCKED)}),'
                    f'{dig}))')
        a = _addr(r, WAITING_COL + 1)
        cells[("longest_wait", s)] = a
        count = (f'COUNTIFS({m_cur},{cur},{flag},{q(W.READY_TO_INVOICE)})'
                 f'+COUNTIFS({m_cur},{cur},{flag},{q(W.BLOCKED)})')
        forms[a] = (f'IF(OR({cur}="",{count}=0),"",MAX(0,SUMPRODUCT(MAX({waiting(cur)}*'
                    f'({AS_OF}-{col(_M, "Approval Date")})))))')
    a = _addr(AVERAGES_ROW, 4)
    cells[("days_to_approval", 0)] = a
    forms[a] = f'IFERROR(ROUND(AVERAGE({col(_M, "Approval Days")}),1),"")'
    a = _addr(AVERAGES_ROW, 7)
    cells[("days_to_payment", 0)] = a
    forms[a] = f'IFERROR(ROUND(AVERAGE({col(_I, "Days To Pay")}),1),"")'


def _layout() -> None:
    """Fill DASHBOARD_CELLS and DASHBOARD_FORMULAS (pure data, no sheet)."""
    cells, forms = DASHBOARD_CELLS, DASHBOARD_FORMULAS
    cells[("as_of", 0)] = AS_OF_CELL
    forms[AS_OF_CELL] = AS_OF
    # under the totals: the currencies in use that have no slot (refresh)
    cells[("more_currencies", 0)] = f"B{TOTALS_FIRST + CURRENCY_SLOTS}"
    for s in range(CURRENCY_SLOTS):
        r = TOTALS_FIRST + s
        cur, dig = f"$B{r}", f"${_DIG}{r}"
        cells[("currency", s)] = f"B{r}"
        if s == 0:
            forms[f"B{r}"] = DEFAULT_CURRENCY
        cells[("digits", s)] = f"{_DIG}{r}"
        forms[f"{_DIG}{r}"] = f'IF({cur}="","",{digits_of(cur)})'
        sums = {
            "contract": f'SUMIFS({col(_P, "Contract Value")},{col(_P, "Eff Currency")},{cur})',
            "billed": f'SUMIFS({col(_P, "Billed")},{col(_P, "Eff Currency")},{cur})',
            "unbilled": f'SUMIFS({col(_P, "Unbilled")},{col(_P, "Eff Currency")},{cur})',
            "collected": f'SUMIFS({col(_P, "Collected")},{col(_P, "Eff Currency")},{cur})',
            "outstanding": f'SUMIFS({col(_P, "Outstanding")},{col(_P, "Eff Currency")},{cur})',
            "overdue": f'SUMIFS({_open_invoices(cur)},{col(_I, "Due Date")},"<"&{AS_OF})',
            # money received on voided invoices that no new invoice took
            "credit": (f'-SUMIFS({col(_I, "Balance")},{col(_I, "Currency")},{cur},'
                       f'{col(_I, "Type")},{q("<>" + W.CREDIT_NOTE)},{col(_I, "Status")},{q(W.VOID)},'
                       f'{col(_I, "Balance")},"<0")'),
        }
        for k, name in enumerate(TOTALS):
            a = _addr(r, 3 + k)
            cells[(f"total_{name}", s)] = a
            forms[a] = f'IF({cur}="","",ROUND({sums[name]},{dig}))'
        # aging
        r = AGING_FIRST + s
        a = f"B{r}"
        cells[("aging_currency", s)] = a
        forms[a] = f'IF($B{TOTALS_FIRST + s}="","",$B{TOTALS_FIRST + s})'
        due = col(_I, "Due Date")
        crit = {
            W.CURRENT: f'{due},">="&{AS_OF}',  # + no due date, below
            W.D1_30: f'{due},"<"&{AS_OF},{due},">="&({AS_OF}-30)',
            W.D31_60: f'{due},"<"&({AS_OF}-30),{due},">="&({AS_OF}-60)',
            W.D61_90: f'{due},"<"&({AS_OF}-60),{due},">="&({AS_OF}-90)',
            W.D90_PLUS: f'{due},"<"&({AS_OF}-90)',
        }
        for k, bucket in enumerate(AGING_BUCKETS):
            a = _addr(r, 3 + k)
            cells[("aging", s, bucket)] = a
            expr = f'SUMIFS({_open_invoices(f"$B{r}")},{crit[bucket]})'
            if bucket == W.CURRENT:  # an open invoice without a due date is Current
                expr += f'+SUMIFS({_open_invoices(f"$B{r}")},{due},"")'
            forms[a] = f'IF($B{r}="","",ROUND({expr},{dig}))'

        # forecast
        r = FORECAST_FIRST + s
        a = f"B{r}"
        cells[("forecast_currency", s)] = a
        forms[a] = f'IF($B{TOTALS_FIRST + s}="","",$B{TOTALS_FIRST + s})'
        base = (f'{col(_M, "Amount")},{col(_M, "Project Currency")},$B{r},'
                f'{col(_M, "Invoice No")},"",{col(_M, "Status")},"<>Cancelled",'
                f'{col(_M, "Flag")},"<>Ready to Invoice",{col(_M, "Flag")},"<>Rejected"')
        planned = col(_M, "Planned Date")
        # window end: min(as-of + 90 days, end of the third month after)
        last = f"MIN({AS_OF}+{FORECAST_DAYS},EOMONTH({AS_OF},{FORECAST_MONTHS - 1}))"
        for m in range(FORECAST_MONTHS):
            a = _addr(r, 3 + m)
            cells[("forecast", s, m)] = a
            hi = f'"<="&MIN(EOMONTH({AS_OF},{m}),{last})'
            if m == 0:  # late work (planned before the as-of date) is expected now
                expr = f'SUMIFS({base},{planned},{hi})'
            else:
                expr = f'SUMIFS({base},{planned},">"&EOMONTH({AS_OF},{m - 1}),{planned},{hi})'
            if m == 0:
                expr = (f'SUMIFS({col(_M, "Amount")},{col(_M, "Project Currency")},$B{r},'
                        f'{col(_M, "Flag")},{q(W.READY_TO_INVOICE)})+{expr}')
            forms[a] = f'IF($B{r}="","",ROUND({expr},{dig}))'
    _cash_metrics(cells, forms)
    for s in range(CURRENCY_SLOTS):
        row, column = chart_panel(s)
        a = _addr(row, column)
        cells[("chart_currency", s)] = a
        cur = f"$B${TOTALS_FIRST + s}"
        forms[a] = f'IF({cur}="","",{cur})'
    for m in range(FORECAST_MONTHS):
        a = _addr(FORECAST_HEADER, 3 + m)
        cells[("forecast_month", m)] = a
        forms[a] = f"EOMONTH({AS_OF},{m - 1})+1"
    # timeline
    for j in range(TIMELINE_MONTHS):
        a = _addr(TIMELINE_HEADER, TL_MONTH0 + j)
        cells[("timeline_month", j)] = a
        forms[a] = f"EOMONTH({AS_OF},{j - TIMELINE_LEAD - 1})+1"
    for i in range(TIMELINE_ROWS):
        r = TIMELINE_FIRST + i
        key = f"$B{r}"
        for k, h in enumerate(TL_COLUMNS):
            a = _addr(r, 2 + k)
            cells[("timeline", i, h)] = a
            if k == 0:
                forms[a] = f'IFERROR(INDEX({col(_M, h)},{i + 1})&"","")'
            elif h in ("Planned Date", "Due Date"):
                v = f"INDEX({col(_M, h)},{i + 1})"
                forms[a] = f'IF({key}="","",IF(ISNUMBER({v}),{v},""))'
            else:
                forms[a] = f'IF({key}="","",INDEX({col(_M, h)},{i + 1})&"")'
        planned = f"$E{r}"
        inv = f"$F{r}"
        due = f"$G{r}"
        for j in range(TIMELINE_MONTHS):
            c = col_letters(TL_MONTH0 + j)
            start = f"{c}${TIMELINE_HEADER}"
            end = f"EOMONTH({start},0)"
            a = f"{c}{r}"
            cells[("timeline_cell", i, j)] = a
            forms[a] = (
                f'IF({key}="","",'
                f'IF(AND(ISNUMBER({planned}),{planned}>={start},{planned}<={end}),"●","")'
                f'&IF(AND(ISNUMBER({due}),{due}>={start},{due}<={end}),"◆","")'
                f'&IF({inv}="","",IF(COUNTIFS({col(_PAY, "Invoice No")},{inv},'
                f'{col(_PAY, "Payment Date")},">="&{start},'
                f'{col(_PAY, "Payment Date")},"<="&{end})>0,"$","")))')


_layout()


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


# one format for every currency: axis 0, 500, 5k, 1.5M; bar labels 36.0k,
# 14.3k, 6.7M, 250 and nothing on a zero month
_AXIS_FORMAT = '[>=1000000]#,##0.0,,"M";[>=1000]#,##0,"k";#,##0'
_LABEL_FORMAT = '[>=1000000]#,##0.0,,"M";[>=1000]#,##0.0,"k";#,###'
_BAR = "2E75B6"


def _forecast_chart(slot: int) -> BarChart:
    """One currency slot's expected billing by month, on its own scale."""
    r = FORECAST_FIRST + slot
    chart = _ColumnChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = None
    chart.legend = None
    chart.gapWidth = 60
    last = col_letters(2 + FORECAST_MONTHS)
    sheet = f"'{C.DASHBOARD_SHEET}'"
    chart.add_data(Reference(range_string=f"{sheet}!$C${r}:${last}${r}"), from_rows=True)
    chart.set_categories(Reference(
        range_string=f"{sheet}!$C${FORECAST_HEADER}:${last}${FORECAST_HEADER}"))
    series = chart.series[0]
    cur = DASHBOARD_CELLS[("currency", slot)]
    series.tx = SeriesLabel(strRef=StrRef(f"{sheet}!${cur[0]}${cur[1:]}"))
    series.graphicalProperties.solidFill = _BAR
    series.graphicalProperties.line.solidFill = _BAR
    series.dLbls = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                 showLegendKey=False, showPercent=False,
                                 numFmt=_LABEL_FORMAT, dLblPos="outEnd")
    # room above the plot for the tallest bar's label
    chart.plot_area.layout = Layout(manualLayout=ManualLayout(
        layoutTarget="inner", xMode="edge", yMode="edge", x=0.16, y=0.14, w=0.8, h=0.68))
    chart.y_axis.numFmt = _AXIS_FORMAT
    chart.y_axis.majorGridlines = ChartLines()
    chart.x_axis.number_format = "mmm yy"
    chart.x_axis.axPos = "b"
    # openpyxl 3.1 leaves <c:delete> out, which Excel reads as hidden axes
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _forecast_charts(ws, charts: int) -> None:
    """The small multiples: per slot a currency band over its chart, for
    the first ``charts`` slots (the rest stay free: no empty frames)."""
    ws.cell(row=CHART_TOP - 1, column=CHART_FIRST_COL,
            value="Expected billing by month, net of tax: one scale per currency").font = _BLOCK_FONT
    last_col = CHART_FIRST_COL + CHART_GRID_COLUMNS * CHART_SPAN_COLS - 1
    for c in range(CHART_FIRST_COL, last_col + 1):
        ws.column_dimensions[col_letters(c)].width = CHART_COL_WIDTH
    white = Side(style="thick", color="FFFFFFFF")
    for s in range(charts):
        row, column = chart_panel(s)
        for k in range(CHART_SPAN_COLS):
            c = ws.cell(row=row, column=column + k)
            c.font, c.fill = _HEAD_FONT, _HEAD_FILL
            c.alignment = Alignment(horizontal="centerContinuous", vertical="center")
            # white edges part neighbouring bands
            c.border = Border(left=white if k == 0 else None,
                              right=white if k == CHART_SPAN_COLS - 1 else None)
        band = f"{_addr(row, column)}:{_addr(row, column + CHART_SPAN_COLS - 1)}"
        # an unused slot's band goes pale instead of a dark bar without text
        ws.conditional_formatting.add(band, FormulaRule(
            formula=[f'${col_letters(column)}${row}=""'],
            fill=PatternFill("solid", start_color="FFF2F2F2", end_color="FFF2F2F2")))
        chart = _forecast_chart(s)
        # two-cell anchor: the chart fills its panel's cells in any app
        chart.anchor = TwoCellAnchor(
            editAs="oneCell",
            _from=AnchorMarker(col=column - 1, row=row, colOff=CHART_GAP_EMU, rowOff=0),
            to=AnchorMarker(col=column - 1 + CHART_SPAN_COLS - 1, row=row + CHART_ROWS - 1,
                            colOff=_COL_EMU - CHART_GAP_EMU, rowOff=0))
        ws.add_chart(chart)


def dashboard_print_area() -> tuple[int, int]:
    """(last row, last column) the Dashboard prints: the timeline's last row,
    and the wider of the timeline and the chart grid."""
    last_column = max(TL_MONTH0 + TIMELINE_MONTHS - 1,
                      CHART_FIRST_COL + CHART_GRID_COLUMNS * CHART_SPAN_COLS - 1)
    return TIMELINE_FIRST + TIMELINE_ROWS - 1, last_column


def build_dashboard(ws, digit_values, currencies=None, charts: int = CURRENCY_SLOTS) -> None:
    """Lay out the Dashboard sheet ``ws`` (formulas, formats, charts).

    ``currencies`` (up to CURRENCY_SLOTS codes) fill the currency slots as
    values; without them the first slot is ``=DefaultCurrency``. ``charts``
    slots get a chart: a book built with its projects gets one per currency
    it holds, the empty template one per slot."""

    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 2
    ws["B1"] = "Milestone billing dashboard"
    ws["B1"].font = _TITLE_FONT
    ws.row_dimensions[TITLE_ROW].height = 24  # room for the 16 pt title
    ws["B2"] = "As of"
    ws["B2"].font = Font(bold=True)
    ws["D2"] = "Set Settings > As Of Date to look at a past date; blank means today."
    ws["D2"].font = _GREY

    for addr, text in DASHBOARD_FORMULAS.items():
        ws[addr] = "=" + text
    if currencies:
        if len(currencies) > CURRENCY_SLOTS:
            raise ValueError(f"at most {CURRENCY_SLOTS} dashboard currencies, got {len(currencies)}")
        for s, code in enumerate(currencies):
            ws[DASHBOARD_CELLS[("currency", s)]] = code
    ws[AS_OF_CELL].number_format = "yyyy-mm-dd"
    ws[AS_OF_CELL].font = Font(bold=True)

    # totals
    ws.cell(row=TOTALS_HEADER - 1, column=2, value="Totals by currency").font = _BLOCK_FONT
    _header(ws, TOTALS_HEADER, ["Currency", "Contract", "Billed", "Unbilled", "Collected",
                                "Outstanding", "Overdue", "Unapplied credit", "Digits"])
    # the digits helper drives number formats; the reader has no use for it
    ws.column_dimensions[col_letters(DIGITS_COL)].hidden = True
    ws.cell(row=AGING_HEADER - 1, column=2,
            value="Aging of open invoice balances (days past due)").font = _BLOCK_FONT
    _header(ws, AGING_HEADER, ["Currency", *AGING_BUCKETS, "DSO (days)"])
    ws.cell(row=FORECAST_HEADER - 1, column=2,
            value="Expected billing: as-of month and the next three").font = _BLOCK_FONT
    _header(ws, FORECAST_HEADER, ["Currency"])
    _header(ws, FORECAST_HEADER, ["Approved, unbilled", "Longest wait (days)"],
            first_col=WAITING_COL)
    ws.cell(row=AVERAGES_ROW, column=2, value="Days to approval")
    ws.cell(row=AVERAGES_ROW, column=5, value="Days to full payment")
    for s in range(CURRENCY_SLOTS):
        ws.cell(row=FORECAST_FIRST + s, column=WAITING_COL).number_format = MONEY
    for m in range(FORECAST_MONTHS):
        c = ws.cell(row=FORECAST_HEADER, column=3 + m)
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
        c.number_format = "mmm yyyy"
        c.alignment = Alignment(horizontal="center")

    for first, ncols in ((TOTALS_FIRST, len(TOTALS)), (AGING_FIRST, len(AGING_BUCKETS)),
                         (FORECAST_FIRST, FORECAST_MONTHS)):
        for s in range(CURRENCY_SLOTS):
            r = first + s
            ws.cell(row=r, column=2).font = Font(bold=True)
            ws.cell(row=r, column=2).alignment = Alignment(horizontal="center")
            for k in range(ncols):
                ws.cell(row=r, column=3 + k).number_format = MONEY
        # a rule line under the slots in use only: no empty ruled rows
        ws.conditional_formatting.add(
            f"B{first}:{col_letters(2 + ncols)}{first + CURRENCY_SLOTS - 1}",
            FormulaRule(formula=[f'$B{first}<>""'], border=Border(bottom=_THIN)))
    for s in range(CURRENCY_SLOTS):
        ws.cell(row=TOTALS_FIRST + s, column=DIGITS_COL).font = _GREY
    # currency digits: the number format follows the slot's currency
    for k in sorted(set(digit_values) - {2}):
        code = "#,##0" + ("." + "0" * k if k else "")
        dxf = DifferentialStyle(numFmt=NumberFormat(numFmtId=300 + k, formatCode=code))
        # every block's slot s reads the digits of totals row s
        for first, ncols in ((TOTALS_FIRST, len(TOTALS)), (AGING_FIRST, len(AGING_BUCKETS)),
                             (FORECAST_FIRST, FORECAST_MONTHS)):
            rng = f"C{first}:{col_letters(2 + ncols)}{first + CURRENCY_SLOTS - 1}"
            ws.conditional_formatting.add(rng, Rule(
                type="expression", dxf=dxf,
                formula=[f"INDEX(${_DIG}${TOTALS_FIRST}:${_DIG}${TOTALS_FIRST + CURRENCY_SLOTS - 1},"
                         f"ROW()-{first - 1})={k}"]))
    overdue = DASHBOARD_CELLS[("total_overdue", 0)][0]
    ws.conditional_formatting.add(
        f"{overdue}{TOTALS_FIRST}:{overdue}{TOTALS_FIRST + CURRENCY_SLOTS - 1}",
        FormulaRule(formula=[f"N({overdue}{TOTALS_FIRST})>0"],
                    font=Font(color="FF9C0006", bold=True)))
    aging_late = f"D{AGING_FIRST}:G{AGING_FIRST + CURRENCY_SLOTS - 1}"
    ws.conditional_formatting.add(aging_late, FormulaRule(
        formula=[f"N(D{AGING_FIRST})>0"], font=Font(color="FF9C0006")))

    _forecast_charts(ws, charts)

    # timeline
    ws.cell(row=TIMELINE_TITLE, column=2, value="Milestone timeline").font = _BLOCK_FONT
    ws.cell(row=TIMELINE_TITLE + 1, column=2, value=(
        f"First {TIMELINE_ROWS} milestones in sheet order.  ● planned   ◆ invoice due   "
        "$ payment received   colour = flag (red Overdue, amber Due Soon, green Ready to "
        "Invoice, orange Behind Schedule / Approval Overdue, grey Paid)")).font = _GREY
    _header(ws, TIMELINE_HEADER, list(TL_COLUMNS))
    last_row = TIMELINE_FIRST + TIMELINE_ROWS - 1
    first_m = col_letters(TL_MONTH0)
    last_m = col_letters(TL_MONTH0 + TIMELINE_MONTHS - 1)
    for j in range(TIMELINE_MONTHS):
        c = ws.cell(row=TIMELINE_HEADER, column=TL_MONTH0 + j)
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
        c.number_format = "mmm yy"
        c.alignment = Alignment(horizontal="center")
        ws.column_dimensions[col_letters(TL_MONTH0 + j)].width = 8
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
    months = f"{first_m}{TIMELINE_FIRST}:{last_m}{last_row}"
    flags = f"{flag_col}{TIMELINE_FIRST}:{flag_col}{last_row}"
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
        f"B{TIMELINE_FIRST}:{last_m}{last_row}",
        FormulaRule(formula=[f'$B{TIMELINE_FIRST}<>""'], border=Border(left=_THIN, bottom=_THIN)))
    widths = {"B": 14, "C": 15, "D": 24, "E": 13, "F": 15, "G": 13, "H": 17, "I": 17, "J": 8}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = None
