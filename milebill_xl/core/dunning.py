"""Payment reminders (dunning): which invoices are chased, at which level,
and the statutory late-payment interest and fee each one carries.

Pure rules over core records; ``actions/remind.py`` writes the letters and
the sheet. The README ("Payment reminders") states them for users:

- **Chased**: a document the client pays (``aging.counts_for_aging``: not a
  credit note, not Void, so never an invoice a credit note disputes; Balance
  above zero) that is overdue by at least the first ``Reminder Days`` count.
  Paid, void and not-yet-due invoices are never chased.
- **Level**: how many of the ``Reminder Days`` counts its days overdue have
  reached. With the default ``7, 30, 60``: 7-29 days is level 1, 30-59
  level 2, 60 and more level 3, the last level being the final reminder.
- **A letter** goes to a client (the invoice's ``Client``; when blank, its
  project's) in one currency when at least one of its chased invoices has
  reached a level above its ``Reminder Level``. It lists every chased
  invoice of that client in that currency, and its level is the highest
  of theirs. Each listed invoice
  records its level (never lowered) and the date. Running again on the
  same day finds no level raised: nothing happens.
- **Interest** (EU Directive 2011/7/EU): ``Late Interest Rate`` a year,
  actual/365, on each amount for the days it was overdue: the open balance
  from the day after the due date to the as-of date, and money received
  after the due date up to the day it came. Summed exactly, then rounded
  once to the currency's minor unit.
- **Fee**: ``Late Fee`` once per listed invoice, in its currency, rounded
  to the minor unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from .aging import counts_for_aging
from .engine import Computation
from .money import arithmetic, round_money
from .records import BookData, Payment
from .words import REMINDER_FINAL, REMINDER_FIRST, REMINDER_ORDINALS

#: day count convention of the statutory interest: actual days / 365
DAYS_A_YEAR = 365


def reminder_level(days_overdue: int, reminder_days: Sequence[int]) -> int:
    """How many of the ``reminder_days`` counts ``days_overdue`` has reached
    (0: none yet). ``reminder_days`` increase (the Settings cell is checked)."""
    return sum(1 for threshold in reminder_days if days_overdue >= threshold)


def level_title(level: int, levels: int) -> str:
    """What a letter of ``level`` is called, with ``levels`` in all:
    ``Payment reminder``, ``Second reminder``, ..., ``Final reminder``."""
    if level >= levels:
        return REMINDER_FINAL
    if level == 1:
        return REMINDER_FIRST
    if level <= len(REMINDER_ORDINALS):
        return f"{REMINDER_ORDINALS[level - 1]} reminder"
    return f"Reminder {level}"


def late_interest(balance: Decimal, due: date, as_of: date, received: Iterable[Payment],
                  rate: Decimal, currency: str) -> Decimal:
    """Statutory interest on an invoice overdue since ``due``, as of
    ``as_of``: ``rate`` a year, actual/365, on the open ``balance`` for
    every day after ``due`` up to ``as_of``, and on each of the invoice's
    tblPayments rows (``received``, any Kind) dated after ``due`` for the
    days up to its date (a row dated after ``as_of`` counts to ``as_of``).
    Rounded once, half away from zero, to the minor unit of ``currency``."""
    zero = round_money(0, currency)
    if not rate or as_of <= due:
        return zero
    with arithmetic():
        money_days = balance * (as_of - due).days
        for p in received:
            if p.payment_date is not None and p.payment_date > due:
                money_days += p.amount * (min(p.payment_date, as_of) - due).days
        return round_money(money_days * rate / DAYS_A_YEAR, currency)


@dataclass(frozen=True)
class Chased:
    """One overdue invoice a reminder lists."""

    invoice_no: str
    row: int
    project_id: str
    client: str
    currency: str
    issue_date: date | None
    due_date: date
    days_overdue: int
    total: Decimal
    balance: Decimal
    #: the level it has reached now, and the one last sent for it
    level: int
    previous_level: int
    interest: Decimal
    fee: Decimal

    @property
    def amount_due(self) -> Decimal:
        """Balance, interest and fee: what the letter asks for."""
        return self.balance + self.interest + self.fee

    @property
    def raised(self) -> bool:
        """It has reached a level not yet sent."""
        return self.level > self.previous_level


@dataclass(frozen=True)
class Reminder:
    """One letter: a client's chased invoices in one currency."""

    client: str
    currency: str
    level: int
    title: str
    items: tuple[Chased, ...]
    #: the last level of Reminder Days: no letter follows it
    final: bool = False

    def _sum(self, attr: str) -> Decimal:
        return sum((getattr(i, attr) for i in self.items), round_money(0, self.currency))

    @property
    def balance(self) -> Decimal:
        return self._sum("balance")

    @property
    def interest(self) -> Decimal:
        return self._sum("interest")

    @property
    def fee(self) -> Decimal:
        return self._sum("fee")

    @property
    def amount_due(self) -> Decimal:
        return self._sum("amount_due")

    @property
    def overdue_since(self) -> date:
        """The earliest due date it lists."""
        return min(i.due_date for i in self.items)


def chased(data: BookData, comp: Computation, as_of: date) -> list[Chased]:
    """Every invoice a reminder would list as of ``as_of`` (level 1 or
    more), in sheet order, with its interest and fee."""
    s = data.settings
    levels = s.reminder_days
    records = {i.invoice_no: i for i in data.invoices}
    clients = {p.project_id: p.client for p in data.projects}
    received: dict[str, list[Payment]] = {}
    for p in data.payments:
        received.setdefault(p.invoice_no, []).append(p)
    out = []
    for r in comp.invoices:
        if r.due_date is None or not counts_for_aging(r.type, r.status, r.balance):
            continue
        days = (as_of - r.due_date).days
        level = reminder_level(days, levels)
        if level == 0:
            continue
        inv = records[r.invoice_no]
        sent = inv.reminder_level or 0
        out.append(Chased(
            invoice_no=r.invoice_no, row=r.row, project_id=r.project_id,
            client=r.client or clients.get(r.project_id, ""),
            currency=r.currency, issue_date=inv.issue_date, due_date=r.due_date,
            days_overdue=days, total=r.total, balance=r.balance,
            level=max(level, sent), previous_level=sent,
            interest=late_interest(r.balance, r.due_date, as_of, received.get(r.invoice_no, ()),
                                   s.late_interest_rate, r.currency),
            fee=round_money(s.late_fee, r.currency)))
    return out


def reminders(data: BookData, comp: Computation, as_of: date) -> list[Reminder]:
    """The letters due as of ``as_of``: one per client and currency with an
    invoice whose level rose, listing all that client's chased invoices in
    the currency (oldest due date first); in order of the client's first
    invoice on the sheet."""
    groups: dict[tuple[str, str], list[Chased]] = {}
    for c in chased(data, comp, as_of):
        groups.setdefault((c.client, c.currency), []).append(c)
    levels = len(data.settings.reminder_days)
    out = []
    for (client, currency), items in groups.items():
        if not any(i.raised for i in items):
            continue
        level = max(i.level for i in items)
        out.append(Reminder(client, currency, level, level_title(level, levels),
                            tuple(sorted(items, key=lambda i: (i.due_date, i.row))),
                            final=level >= levels))
    return out
