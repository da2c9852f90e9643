"""Cash metrics: how fast work turns into invoices and invoices into cash.

- **DSO, countback method**, per currency, over the 90 days up to the
  as-of date cut into three 30-day periods (the as-of date and the 29 days
  before it; the 30 before those; the 30 before those). Receivables are the
  open balances of invoices (the Dashboard's outstanding); sales are the
  Totals of invoices (Type Invoice, not Void) issued in each period. Going
  back from the newest period, a period whose sales cover what is left of
  the receivables adds ``30 x left / sales`` days and ends the count; one
  that does not adds 30 days. Receivables that 90 days of sales do not
  cover give no figure but ``beyond`` (shown as "more than 90 days").
  Receivables of zero give 0 days. Rounded to one decimal.
- **Approved, not invoiced**: per currency, the Amount of milestones
  flagged Ready to Invoice or Blocked, and the longest wait in days since
  their Approval Date (0 for an Approval Date after the as-of date).
- **Days from completion to approval**: the mean over approved milestones
  with both dates; **days from issue to payment**: the mean, over invoices
  paid in full, from Issue Date to the last payment's date. One decimal;
  None when there is nothing to average.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .engine import Computation
from .flags import APPROVED_UNBILLED
from .money import arithmetic, rounding_currency, zero
from .records import APPROVED, PAID, RECEIVABLE_TYPES, VOID, BookData

PERIOD_DAYS = 30
PERIODS = 3
_ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Dso:
    currency: str
    receivables: Decimal
    sales: tuple[Decimal, ...]       # newest period first
    days: Decimal | None             # None when ``beyond``
    beyond: bool                     # receivables exceed 90 days of sales


@dataclass(frozen=True)
class Waiting:
    currency: str
    amount: Decimal
    milestones: int
    longest_wait_days: int | None    # since Approval Date; None when no date


@dataclass(frozen=True)
class Metrics:
    dso: tuple[Dso, ...]
    approved_unbilled: tuple[Waiting, ...]
    days_to_approval: Decimal | None
    days_to_payment: Decimal | None


def periods(as_of: date) -> tuple[tuple[date, date], ...]:
    """(first, last) day of each countback period, newest first."""
    out = []
    for k in range(PERIODS):
        last = as_of - timedelta(days=PERIOD_DAYS * k)
        out.append((last - timedelta(days=PERIOD_DAYS - 1), last))
    return tuple(out)


def countback(receivables: Decimal, sales: tuple[Decimal, ...]) -> tuple[Decimal | None, bool]:
    """(days, beyond) by the countback method over ``sales`` (newest first)."""
    if receivables <= 0:
        return Decimal(0), False
    left = receivables
    days = Decimal(0)
    with arithmetic():
        for s in sales:
            if s > 0 and left <= s:
                days += PERIOD_DAYS * left / s
                return days.quantize(_ONE_DECIMAL, ROUND_HALF_UP), False
            left -= max(s, Decimal(0))
            days += PERIOD_DAYS
    return None, True


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    with arithmetic():
        return (Decimal(sum(values)) / len(values)).quantize(_ONE_DECIMAL, ROUND_HALF_UP)


def cash_metrics(book: BookData, comp: Computation) -> Metrics:
    as_of = comp.as_of
    spans = periods(as_of)
    currencies = list(dict.fromkeys([p.currency for p in comp.projects]
                                    + [i.currency for i in comp.invoices]))
    issued_on = {i.invoice_no: i.issue_date for i in book.invoices}
    dso = []
    for cur in currencies:
        z = zero(rounding_currency(cur))
        own = [i for i in comp.invoices if i.currency == cur and i.type in RECEIVABLE_TYPES]
        with arithmetic():
            receivables = sum((i.balance for i in own if i.status != VOID and i.balance > 0), z)
            sales = tuple(sum((i.total for i in own if i.status != VOID
                               and first <= (issued_on.get(i.invoice_no) or date.min) <= last), z)
                          for first, last in spans)
        days, beyond = countback(receivables, sales)
        dso.append(Dso(cur, receivables, sales, days, beyond))

    milestones = {m.milestone_id: m for m in book.milestones}
    waiting: dict[str, list] = {}
    for r in comp.milestones:
        if r.flag in APPROVED_UNBILLED:
            waiting.setdefault(r.currency, []).append(r)
    approved_unbilled = []
    for cur, rows in waiting.items():
        waits = [(as_of - milestones[r.milestone_id].approval_date).days for r in rows
                 if milestones[r.milestone_id].approval_date]
        with arithmetic():
            amount = sum((r.amount for r in rows), zero(rounding_currency(cur)))
        approved_unbilled.append(Waiting(cur, amount, len(rows), max(0, *waits) if waits else None))

    to_approval = [(m.approval_date - m.completed_date).days for m in book.milestones
                   if m.approval == APPROVED and m.approval_date and m.completed_date]
    last_payment: dict[str, date] = {}
    for p in book.payments:
        if p.payment_date and p.payment_date > last_payment.get(p.invoice_no, date.min):
            last_payment[p.invoice_no] = p.payment_date
    to_payment = [(last_payment[i.invoice_no] - issued_on[i.invoice_no]).days
                  for i in comp.invoices
                  if i.type in RECEIVABLE_TYPES and i.status == PAID and issued_on.get(i.invoice_no)
                  and i.invoice_no in last_payment]
    return Metrics(tuple(dso), tuple(approved_unbilled), _mean(to_approval), _mean(to_payment))
