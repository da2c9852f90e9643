"""Figures for the Dashboard sheet, as plain data (no layout).

- Totals per currency: contract, billed, unbilled, collected, outstanding
  (sums of the project columns), overdue (the past-due aging buckets) and
  unapplied credit (money received on voided invoices that no new invoice
  has taken: minus their Balance).
- Unapplied credit per client and currency (``unapplied_credit``).
- Aging per currency: ``Computation.aging`` (rule 8, ``aging.py``).
- Expected billing, by calendar month, for the as-of month and the three
  after it (always four months per currency, zeros included), counting
  unissued, non-cancelled milestones at their Amount (net of tax):

  * the as-of month: every ``Ready to Invoice`` milestone whatever its
    Planned Date (the next ``issue`` run bills it), plus every other one
    planned on or before the end of the as-of month, including dates already
    past (behind schedule, awaiting approval, blocked): late work is still
    expected, now, rather than dropped from the forecast;
  * each later month: the ones planned in that month, up to the window end
    ``min(as_of + 90 days, last day of the third month after the as-of
    month)``. The clip keeps the forecast at exactly four months; for an
    as-of date late in a month it drops a day or two of the 90 (31 January
    + 90 days is 1 May);
  * a milestone with a blank Planned Date counts only when Ready to Invoice;
  * a Rejected milestone is not expected (the client turned it down).

  This is the rule of ``template/dashboard.py``'s docstring, so the
  sheet's formulas and this module agree.
- Timeline: every milestone sorted by Planned Date (blank dates last, then
  sheet order) with project, name, date, flag and amount; and every payment
  sorted by date, so both read at a glance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .aging import overdue_total
from .engine import Computation, compute
from .flags import FLAG_REJECTED, READY_TO_INVOICE
from .money import arithmetic, round_money, rounding_currency, zero
from .records import CANCELLED, BookData

FORECAST_DAYS = 90
FORECAST_MONTHS = 4


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    contract: Decimal
    billed: Decimal
    unbilled: Decimal
    collected: Decimal
    outstanding: Decimal
    overdue: Decimal
    credit: Decimal = Decimal(0)


@dataclass(frozen=True)
class ClientCredit:
    """Money a client paid on voided invoices that no new invoice took."""

    client: str
    currency: str
    amount: Decimal
    invoices: tuple[str, ...]


def unapplied_credit(comp: Computation) -> tuple[ClientCredit, ...]:
    """Unapplied credit per client and currency, in sheet order of first
    appearance."""
    found: dict[tuple[str, str], list] = {}
    for r in comp.invoices:
        if r.credit > 0:
            found.setdefault((r.client, r.currency), []).append(r)
    with arithmetic():
        return tuple(ClientCredit(client, cur, sum((r.credit for r in rows), _zero(cur)),
                                  tuple(r.invoice_no for r in rows))
                     for (client, cur), rows in found.items())


@dataclass(frozen=True)
class ForecastMonth:
    """Expected billing in one currency for the month starting ``month``."""

    month: date
    currency: str
    amount: Decimal
    milestone_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class TimelineRow:
    planned_date: date | None
    project_id: str
    project: str
    milestone_id: str
    milestone: str
    flag: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentRow:
    payment_date: date | None
    invoice_no: str
    project_id: str
    amount: Decimal
    currency: str
    reference: str


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    totals: tuple[CurrencyTotals, ...]
    aging: dict[str, dict[str, Decimal]]
    forecast: tuple[ForecastMonth, ...]
    timeline: tuple[TimelineRow, ...]
    payments: tuple[PaymentRow, ...]


def forecast_months(as_of: date) -> tuple[date, ...]:
    """First days of the as-of month and the three after it."""
    first = as_of.replace(day=1)
    return tuple(first + relativedelta(months=i) for i in range(FORECAST_MONTHS))


def forecast_window(as_of: date) -> tuple[date, date]:
    """The forecast window, both ends included: milestones planned in it count
    in their month; those planned before it count in the as-of month."""
    last_month_end = forecast_months(as_of)[-1] + relativedelta(day=31)
    return as_of, min(as_of + timedelta(days=FORECAST_DAYS), last_month_end)


def _zero(currency: str) -> Decimal:
    return zero(rounding_currency(currency))


def build_dashboard(book: BookData, as_of: date, computation: Computation | None = None) -> Dashboard:
    """All dashboard figures of ``book`` as of ``as_of`` (computed unless
    ``computation`` for the same date is given)."""
    comp = computation if computation is not None else compute(book, as_of)
    projects = {p.project_id: p for p in book.projects}

    currencies: list[str] = []
    for cur in [p.currency for p in comp.projects] + list(comp.aging) + \
            [r.currency for r in comp.invoices if r.credit > 0]:
        if cur not in currencies:
            currencies.append(cur)

    totals = []
    with arithmetic():
        for cur in currencies:
            rows = [p for p in comp.projects if p.currency == cur]
            z = _zero(cur)
            buckets = comp.aging.get(cur)
            totals.append(CurrencyTotals(
                currency=cur,
                # rounded as the sheet's ROUND(SUMIFS(...)) rounds a value
                # typed finer than its currency (0.1759 KWD shows 0.176)
                contract=round_money(sum((p.contract_value for p in rows), z), rounding_currency(cur)),
                billed=sum((p.billed for p in rows), z),
                unbilled=sum((p.unbilled for p in rows), z),
                collected=sum((p.collected for p in rows), z),
                outstanding=sum((p.outstanding for p in rows), z),
                overdue=overdue_total(buckets) if buckets else z,
                credit=sum((r.credit for r in comp.invoices if r.currency == cur), z),
            ))

    months = forecast_months(as_of)
    start, end = forecast_window(as_of)
    expected: dict[tuple[date, str], list] = {(mo, cur): [] for cur in currencies for mo in months}
    by_id = {m.milestone_id: m for m in book.milestones}
    for r in comp.milestones:
        m = by_id.get(r.milestone_id)
        if m is None or m.status == CANCELLED or m.issued or r.currency not in currencies \
                or r.flag == FLAG_REJECTED:
            continue
        if r.flag == READY_TO_INVOICE:
            month = months[0]
        elif m.planned_date is None or m.planned_date > end:
            continue
        elif m.planned_date < start:
            month = months[0]
        else:
            month = m.planned_date.replace(day=1)
        expected[(month, r.currency)].append(r)
    forecast = []
    with arithmetic():
        for cur in currencies:
            for mo in months:
                rows = expected[(mo, cur)]
                forecast.append(ForecastMonth(mo, cur, sum((r.amount for r in rows), _zero(cur)),
                                              tuple(r.milestone_id for r in rows)))

    timeline = []
    for r in comp.milestones:
        m = by_id.get(r.milestone_id)
        p = projects.get(r.project_id)
        timeline.append(TimelineRow(
            planned_date=m.planned_date if m else None, project_id=r.project_id,
            project=p.name if p else "", milestone_id=r.milestone_id,
            milestone=m.name if m else "", flag=r.flag, amount=r.amount, currency=r.currency))
    order = {id(t): i for i, t in enumerate(timeline)}
    timeline.sort(key=lambda t: (t.planned_date is None, t.planned_date or date.min, order[id(t)]))

    invoices = {i.invoice_no: i for i in comp.invoices}
    payments = []
    for pay in sorted(book.payments, key=lambda p: (p.payment_date is None, p.payment_date or date.min, p.row)):
        inv = invoices.get(pay.invoice_no)
        payments.append(PaymentRow(pay.payment_date, pay.invoice_no, inv.project_id if inv else "",
                                   pay.amount, inv.currency if inv else "", pay.reference))

    return Dashboard(as_of, tuple(totals), comp.aging, tuple(forecast), tuple(timeline), tuple(payments))
